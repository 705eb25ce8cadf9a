// `noetl-loadrun local-noetl`: the real legacy NoETL engine (from PyPI) on this machine until Ctrl-C, for a
// user without a cluster who wants the engine itself rather than the sandbox's emulation of it. The
// flags that point a run at it are written to a file readable by the user only (the database password
// is in them, and never on screen).
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { positiveInt } from '../config.js';
import { EXIT, usageError } from '../errors.js';
import { Lifecycle } from '../lifecycle.js';
import { startLocalNoetl } from '../local-noetl/stack.js';
import { DEFAULT_NOETL_VERSION, ensureVenv } from '../local-noetl/venv.js';
import { redact, registerSecret } from '../redact.js';
import { urlPassword } from './run-config.js';

export interface LocalNoetlOpts {
  noetlVersion?: string;
  workers?: string;
  python?: string;
  keepLogs?: boolean;
  installOnly?: boolean;
}

export async function localNoetlCommand(o: LocalNoetlOpts): Promise<number> {
  const version = o.noetlVersion ?? DEFAULT_NOETL_VERSION;
  if (!/^\d+\.\d+\.\d+$/.test(version) || Number(version.split('.')[0]) >= 5)
    throw usageError(
      `--noetl-version ${JSON.stringify(version)}: the legacy engine is noetl 4.26.0 or older on PyPI`,
      'from 5.0.0 the name holds the Rust CLI',
    );
  const workers = o.workers ? positiveInt(o.workers, '--workers', { max: 16 }) : 1;
  if (o.installOnly) {
    const venv = await ensureVenv({ version, python: o.python, log: (m) => process.stdout.write(`${m}\n`) });
    process.stdout.write(`noetl ${venv.version} ${venv.created ? 'installed' : 'already installed'} in ${venv.dir}\n`);
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
  const flags = `--server-url ${stack.serverUrl} --pg-url ${stack.pgUrl} --details-url ${stack.detailsUrl} ${logs}`;
  const flagsFile = path.join(stack.dir, 'loadrun.flags');
  writeFileSync(flagsFile, `${flags}\n`, { mode: 0o600 });
  say(
    `local NoETL ${stack.version} (the legacy Python engine from PyPI), up in ${Math.round((Date.now() - t0) / 1000)} s`,
  );
  say(`  server:   ${stack.serverUrl}   (try: curl ${stack.serverUrl}/api/health)`);
  say(`  Postgres: ${stack.pgUrl} (noetl) and ${stack.dataPgUrl} (the fixture's tables, credential pg_k8s)`);
  say(`  NATS:     ${stack.natsUrl}; ${stack.workers.length} worker(s); echo for the http step: ${stack.detailsUrl}`);
  say(`  logs:     ${stack.dir}${o.keepLogs ? ' (kept)' : ' (removed at the end; --keep-logs keeps them)'}`);
  say(`Run the fixture on it (the flags, with the database password, are in ${flagsFile}):`);
  say(`  noetl-loadrun $(cat ${flagsFile})`);
  say('Ctrl-C stops it.');
  const code = await new Promise<number>((resolve) => {
    life.whenInterrupted(() => resolve(EXIT.OK));
    void stack.server.exited.then(() => resolve(EXIT.ENVIRONMENT));
  });
  if (code !== EXIT.OK) say(`the NoETL server exited; its log: ${stack.dir}/server.log`);
  await life.runCleanups();
  return code;
}
