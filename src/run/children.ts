// Which child executions belong to a mode. A child is found by the parent the engine recorded on its start
// row, among every execution the run follows (both modes and their children), and belongs to the mode whose
// execution its own input names as parent where it names one: noetl 4.26.0's worker records as parent the
// execution of the command it started last (noetl/worker/nats_worker.py 1963 sets it per command, 3285 reads
// it in the playbook tool), so with commands of several executions in flight a chunk worker can be filed
// under another execution: seen on 4.26.0 under a sibling chunk worker (1 run in 6 with the cores busy);
// under the other mode's execution the code allows it too.
import type { ChildExecution } from '../model.js';

export interface OwnedChild {
  child: ChildExecution;
  /** The engine recorded another parent than the one the child's input names. */
  misfiled: boolean;
}

/** The children in `found` that belong to the executions `mine`; `known` is every execution the run follows. */
export function childrenOwned(
  found: ChildExecution[],
  mine: ReadonlySet<string>,
  known: ReadonlySet<string>,
): OwnedChild[] {
  const owned: OwnedChild[] = [];
  for (const child of found) {
    const named = child.inputParent !== null && known.has(child.inputParent) ? child.inputParent : null;
    const parent = named ?? child.parentExecutionId;
    if (!mine.has(parent) || mine.has(child.executionId)) continue;
    owned.push({ child, misfiled: named !== null && named !== child.parentExecutionId });
  }
  return owned;
}
