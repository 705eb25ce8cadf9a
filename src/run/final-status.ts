// The server's word at the end. A mode whose execution wrote playbook.completed has its /status read once
// more: a Rust server with NOETL_EXECUTION_STATUS_FROM_STEPS on answers FAILED there when a step recorded
// an error (noetl/server src/services/execution.rs 941-944 @d9ec700: the switch outranks the terminal
// event; off by default), and a deployment that turned it on counts such a run as failed. The verdict is
// then the server's, and a line says why. The read keeps to the status budget (poll-plan.ts): where the
// execution's last read was costly (noetl 4.26.0 at heavy payloads: seconds of server CPU) and the budget
// holds the next one back, the terminal event's verdict stands.
import type { ExecState, Mode } from '../model.js';
import type { StatusRead } from './poll-plan.js';
import type { RunStore } from './store.js';

export async function serverVerdict(
  ctx: { store: RunStore },
  status: StatusRead,
  mode: Mode,
  executionId: string,
  final: ExecState,
): Promise<{ state: ExecState; error?: string }> {
  if (final !== 'completed') return { state: final };
  const st = await status(executionId).catch(() => undefined);
  if (st?.state !== 'failed') return { state: final };
  const error =
    "the engine wrote playbook.completed and its server's status says FAILED: a step recorded an error (a Rust server with NOETL_EXECUTION_STATUS_FROM_STEPS on counts it as the run's failure)";
  ctx.store.log('loadrun', 'warn', `${mode}: ${error}; the verdict is the server's`);
  return { state: 'failed', error };
}
