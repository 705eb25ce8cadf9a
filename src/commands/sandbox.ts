// `noetl-loadrun sandbox`: the embedded sandbox on its own until Ctrl-C, for curl, the noetl CLI or a
// second loadrun pointed at it with --server-url.
import { parseFaults, positiveInt } from '../config.js';
import { sandboxTuningArgs } from '../sandbox-options.js';
import { EXIT } from '../errors.js';
import { Lifecycle } from '../lifecycle.js';
import { redact, registerSecret } from '../redact.js';
import { FAULT_DESCRIPTIONS, type FaultProfile } from '../sandbox/faults.js';
import { startSandbox } from '../sandbox/supervisor.js';
import { checkPgUrl, parseDialect, urlPassword } from './run-config.js';
import { legacyDialect } from '../sandbox-options.js';

export interface SandboxOpts {
  dialect?: string;
  sandboxFault?: string[];
  pgUrl?: string;
  allowNetwork?: boolean;
  port?: string;
}

export async function sandboxCommand(o: SandboxOpts): Promise<number> {
  const faults = parseFaults(o.sandboxFault);
  const dialect = legacyDialect(faults, parseDialect(o.dialect, '--dialect'), '--dialect');
  const extraArgs = sandboxTuningArgs(o as Record<string, unknown>);
  const port = o.port ? positiveInt(o.port, '--port', { max: 65535 }) : undefined;
  checkPgUrl(o.pgUrl);
  const life = new Lifecycle();
  const say = (s: string) => process.stdout.write(redact(s) + '\n');
  const sb = await startSandbox({
    dialect,
    faults,
    extraArgs,
    pgUrl: o.pgUrl,
    allowNetwork: o.allowNetwork,
    port,
    onLog: (lvl, m) => say(`${lvl === 'error' ? 'error: ' : ''}[sandbox] ${m}`),
  });
  registerSecret(urlPassword(sb.pgUrl));
  life.add('sandbox', () => sb.stop());
  say(`noetl-loadrun sandbox (dialect ${sb.dialect}) — bound to 127.0.0.1 only`);
  say(`  NoETL API:   ${sb.apiUrl}   (try: curl ${sb.apiUrl}/api/health)`);
  say(`  Postgres:    ${sb.pgUrlMasked}`);
  say(`  echo:        ${sb.echoUrl}   (answers httpbin.org /anything calls)`);
  for (const f of sb.faults) say(`  fault (emulation): ${f} — ${FAULT_DESCRIPTIONS[f as FaultProfile]}`);
  say('  processes:   ' + sb.processes.map((p) => `${p.role} ${p.pid}`).join(', '));
  say('Ctrl-C stops it.');
  const code = await new Promise<number>((resolve) => {
    life.whenInterrupted(() => resolve(EXIT.OK));
    void sb.exited.then((c) => resolve(c === 0 ? EXIT.OK : EXIT.ENVIRONMENT));
  });
  await life.runCleanups();
  return code;
}
