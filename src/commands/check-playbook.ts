// `noetl-loadrun check-playbook FILE... [--engine rust|python]`: each construct the target engine ignores
// or lacks, with its line and the form that works. Exit 0 when clean, 1 with findings, 2 on bad input.
import { EXIT } from '../errors.js';
import { readPlaybookFile } from '../playbooks.js';
import { checkPlaybook, findingLine } from '../playbooks/check.js';
import { parseDialect } from './run-config.js';
import { checkNoetlVersion } from '../local-noetl/releases.js';
import { ENGINE_DIALECTS } from '../engine-dialects.js';
import { usageError } from '../errors.js';

export async function checkPlaybookCommand(
  files: string[],
  o: { engine?: string; noetlVersion?: string },
): Promise<number> {
  const engine = parseDialect(o.engine, '--engine') ?? 'rust';
  if (o.noetlVersion !== undefined && !ENGINE_DIALECTS[engine].releaseForms)
    throw usageError('--noetl-version is a release of the legacy Python engine', 'add --engine python');
  const release = o.noetlVersion !== undefined ? checkNoetlVersion(o.noetlVersion, '--noetl-version') : undefined;
  let found = 0;
  for (const file of files) {
    // Not YAML, or not a playbook: said as such (exit 2), never "no construct" (issue #39 item 15).
    const { text } = readPlaybookFile(file, 'check-playbook:');
    const findings = checkPlaybook(text, engine, release);
    found += findings.length;
    for (const f of findings) process.stdout.write(`${findingLine(file, f)}\n`);
  }
  process.stdout.write(
    found
      ? `${found} construct(s) the ${engine} engine${release ? ` ${release}` : ''} ignores or lacks\n`
      : `no construct the ${engine} engine${release ? ` ${release}` : ''} ignores or lacks\n`,
  );
  return found ? EXIT.BREACHED : EXIT.OK;
}
