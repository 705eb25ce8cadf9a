// watch: executions started elsewhere (the noetl CLI, a cron, another person) taken over for observation.
// Each execution's workload says its mode and parameters; nothing is registered or launched.
import { launchedWith } from '../playbooks.js';
import { expectedRows } from '../diff/missing-items.js';
import { EXIT, LoadrunError } from '../errors.js';
import type { Mode, RunParams } from '../model.js';
import type { RowsSource } from '../sources/rows.js';
import type { RunStore } from './store.js';

export async function adoptExecutions(store: RunStore, rows: RowsSource, ids: string[]): Promise<Mode[]> {
  const adopted: Array<{ mode: Mode; id: string; params: RunParams }> = [];
  for (const id of ids) {
    const w = await rows.workload(id);
    if (!w)
      throw new LoadrunError(
        `execution ${id} has no start event in noetl.event`,
        EXIT.USAGE,
        'watch takes parent executions of the heavy-payload playbook',
      );
    const { mode, params } = launchedWith(w);
    const twin = adopted.find((a) => a.mode === mode);
    if (twin)
      throw new LoadrunError(
        `executions ${twin.id} and ${id} are both ${mode}`,
        EXIT.USAGE,
        'watch one execution per mode (--vs takes the other mode)',
      );
    adopted.push({ mode, id, params });
  }
  store.watchOnly(
    adopted.map((a) => ({ mode: a.mode, expected: expectedRows(a.mode, a.params) })),
    adopted[0].params,
  );
  for (const a of adopted) {
    store.markLaunched(a.mode, a.id, true);
    store.log('loadrun', 'info', `watching ${a.mode} execution ${a.id} (started elsewhere)`);
  }
  return adopted.map((a) => a.mode);
}
