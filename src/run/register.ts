// The register phase: the playbook pair registered on the server (a user's files checked against its
// engine first), or an already-registered pair taken by catalog path.
import type { RunConfig } from '../config.js';
import { EXIT, LoadrunError } from '../errors.js';
import type { NoetlClient } from '../noetl/client.js';
import { playbookTexts } from '../playbooks.js';
import { checkPlaybook, findingLine } from '../playbooks/check.js';
import { playbookForEngine } from '../playbooks/release-form.js';
import type { RunStore } from './store.js';

export interface RegisteredPair {
  parentPath: string;
  workerPath: string;
}

export async function registerPair(
  client: NoetlClient,
  c: RunConfig,
  store: RunStore,
  defaultWorkerPath: string,
): Promise<RegisteredPair> {
  if (c.catalogPath) {
    const pair = { parentPath: c.catalogPath, workerPath: c.workerPath ?? defaultWorkerPath };
    const known = await client.catalogPaths();
    for (const p of [pair.parentPath, pair.workerPath]) {
      if (!known.has(p))
        throw new LoadrunError(
          `catalog path ${JSON.stringify(p)} is not registered on ${client.baseUrl}`,
          EXIT.USAGE,
          'register it first or drop --catalog-path to use the bundled playbooks',
        );
    }
    store.setPhase('register', 'running', `using catalog ${pair.parentPath} + ${pair.workerPath}`);
    return pair;
  }
  const { parent, worker } = c.playbooks ?? playbookTexts(c);
  for (const [pb, file] of [
    [worker, c.workerFile],
    [parent, c.playbookFile],
  ] as const) {
    if (file) warnConstructs(client, store, file, pb.text);
    // The form the engine's release reads (args:/outcome before 2.14.0), and --child-timeout.
    const formed = playbookForEngine(pb, { release: c.release, childTimeoutSeconds: c.childTimeoutSeconds });
    if (formed.changes.length)
      store.log(
        'loadrun',
        'info',
        `${pb.path}: ${c.release ? `in the form noetl ${c.release} reads: ` : ''}${formed.changes.join('; ')}`,
      );
    const r = await client.register(formed.text);
    store.log('loadrun', 'info', `registered ${r.path} version ${r.version}`);
  }
  return { parentPath: parent.path, workerPath: worker.path };
}

/** A user's playbook checked against the server's engine before it is registered (check-playbook). */
function warnConstructs(client: NoetlClient, store: RunStore, file: string, text: string): void {
  const findings = checkPlaybook(text, client.dialect ?? 'rust');
  for (const f of findings) store.log('loadrun', 'warn', `playbook: ${findingLine(file, f)}`);
  if (findings.length) store.setTarget({ playbookWarnings: store.target.playbookWarnings + findings.length });
}
