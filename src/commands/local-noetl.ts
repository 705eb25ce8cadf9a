// `noetl-loadrun local-noetl`: the real legacy NoETL engine (from PyPI) on this machine until Ctrl-C, for a
// user without a cluster who wants the engine itself rather than the sandbox's emulation of it. The
// flags that point a run at it are written to a file readable by the user only (the database password
// is in them, and never on screen).
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { positiveInt } from '../config.js';
import { EXIT } from '../errors.js';
import { Lifecycle } from '../lifecycle.js';
import { startLocalNoetl } from '../local-noetl/stack.js';
import { cacheRoot, ensureVenv } from '../local-noetl/venv.js';
import { ensurePySpy } from '../local-noetl/stack-sampler.js';
import { alive } from '../sandbox/embedded-pg.js';
import { checkNoetlVersion, DEFAULT_NOETL_VERSION } from '../local-noetl/releases.js';
import { redact, registerSecret } from '../redact.js';
import { urlPassword } from './run-config.js';

export interface LocalNoetlOpts {
  noetlVersion?: string;
  workers?: string;
  python?: string;
  keepLogs?: boolean;
  installOnly?: boolean;
}

/**
 * Where the flags go: one fixed file per user (the README's `$(cat …)` picks up this run's and no other),
 * unless another local-noetl still holds it; then the run's own folder, said on screen.
 */
function claimFlagsFile(dir: string): string {
  const fixed = path.join(cacheRoot(), 'local-noetl.flags');
  const owner = `${fixed}.pid`;
  mkdirSync(cacheRoot(), { recursive: true });
  const holder = Number(existsSync(owner) ? readFileSync(owner, 'utf8') : 0);
  if (holder && holder !== process.pid && alive(holder)) return path.join(dir, 'loadrun.flags');
  writeFileSync(owner, String(process.pid));
  process.once('exit', () => {
    rmSync(fixed, { force: true });
    rmSync(owner, { force: true });
  });
  return fixed;
}

export async function localNoetlCommand(o: LocalNoetlOpts): Promise<number> {
  const version = checkNoetlVersion(o.noetlVersion ?? DEFAULT_NOETL_VERSION, '--noetl-version');
  const workers = o.workers ? positiveInt(o.workers, '--workers', { max: 16 }) : 1;
  if (o.installOnly) {
    const log = (m: string) => process.stdout.write(`${m}\n`);
    const venv = await ensureVenv({ version, python: o.python, log });
    process.stdout.write(`noetl ${venv.version} ${venv.created ? 'installed' : 'already installed'} in ${venv.dir}\n`);
    // The stack sampler is optional; installed here so a first --target local run need not wait for it.
    const spy = await ensurePySpy(venv.dir, log);
    process.stdout.write(spy ? `py-spy in ${spy}\n` : 'py-spy not installed: runs go without stack samples\n');
    return EXIT.OK;
  }
  const life = new Lifecycle();
  const say = (s: string) => process.stdout.write(redact(s) + '\n');
  const t0 = Date.now();
  const stack = await startLocalNoetl({
    version,
    workers,
    python: o.python,
    log: (m) => say(`[local-noetl] ${m}`),
  });
  registerSecret(urlPassword(stack.pgUrl));
  life.add('local NoETL', () => stack.stop({ keepLogs: o.keepLogs }));
  const logs = [stack.server, ...stack.workers].map((p) => `--log-file ${p.logFile}`).join(' ');
  // What a run in another terminal needs to sample the same processes (pods panel, CPU, py-spy).
  const procsFile = path.join(stack.dir, 'processes.json');
  writeFileSync(procsFile, JSON.stringify({ venv_dir: stack.venvDir, processes: stack.processes() }) + '\n');
  const flags = `--server-url ${stack.serverUrl} --pg-url ${stack.pgUrl} --details-url ${stack.detailsUrl} ${logs} --engine-processes ${procsFile}`;
  const flagsFile = claimFlagsFile(stack.dir);
  writeFileSync(flagsFile, `${flags}\n`, { mode: 0o600 });
  life.add('flags file', () => rmSync(flagsFile, { force: true }));
  say(
    `local NoETL ${stack.version} (the legacy Python engine from PyPI), up in ${Math.round((Date.now() - t0) / 1000)} s`,
  );
  say(`  server:   ${stack.serverUrl}   (try: curl ${stack.serverUrl}/api/health)`);
  say(`  Postgres: ${stack.pgUrl} (noetl) and ${stack.dataPgUrl} (the fixture's tables, credential pg_k8s)`);
  say(`  NATS:     ${stack.natsUrl}; ${stack.workers.length} worker(s); echo for the http step: ${stack.detailsUrl}`);
  say(`  logs:     ${stack.dir}${o.keepLogs ? ' (kept)' : ' (removed at the end; --keep-logs keeps them)'}`);
  say(`Run the fixture on it (the flags, with the database password, are in ${flagsFile}):`);
  say(`  noetl-loadrun $(cat ${flagsFile})`);
  say('Or in one command, started and stopped with the run: noetl-loadrun --target local');
  say('Ctrl-C stops it.');
  const code = await new Promise<number>((resolve) => {
    life.whenInterrupted(() => resolve(EXIT.OK));
    void stack.server.exited.then(() => resolve(EXIT.ENVIRONMENT));
  });
  if (code !== EXIT.OK) say(`the NoETL server exited; its log: ${stack.dir}/server.log`);
  await life.runCleanups();
  return code;
}
