// NoETL event names and their classification, shared by the client, the store, the sandbox and the
// renderers. Both dialects' literals (noetl-contract §2.2) are recognised; nothing assumes a `loop.done`
// row exists.
import type { EventKind, ExecState } from '../model.js';

export const TERMINAL_TYPES = new Set([
  'playbook.completed',
  'playbook_completed',
  'playbook.failed',
  'playbook_failed',
  'playbook_cancelled',
  'playbook.cancelled',
  'execution.cancelled',
  'workflow.completed',
  'workflow.failed',
]);

/** The state a terminal event settles: completed, failed or cancelled (Python's cancel included). */
export function terminalStateOf(type: string): ExecState | undefined {
  if (!TERMINAL_TYPES.has(type)) return undefined;
  if (/cancel/.test(type)) return 'cancelled';
  return /failed/.test(type) ? 'failed' : 'completed';
}

/**
 * Loop steps whose commands are per-item iterations in the fixture pair. The Python engine names a
 * pipeline's iteration commands `<step>:task_sequence` (noetl/core/dsl/engine/executor/commands.py).
 */
export const ITEM_LOOP_NODES = new Set([
  'run_direct_stress',
  'process_batch_pipeline',
  'run_direct_stress:task_sequence',
  'process_batch_pipeline:task_sequence',
]);

export function classify(type: string, status: string | null): EventKind {
  const s = (status ?? '').toUpperCase();
  if (TERMINAL_TYPES.has(type)) return 'terminal';
  // No engine writes a retry as an event: Python logs one at INFO, Rust at DEBUG (noetl/tools
  // src/tools/task_sequence.rs 656-672), so retries are counted from log lines only (run/log-hits.ts).
  if (type === 'call.error' || type === 'command.failed' || type === 'step_failed' || s === 'FAILED') return 'failed';
  // Rust: a tool result with an error (HTTP non-2xx after its retries, a python exception) completes the
  // command with status "error" and the loop goes on (noetl/worker src/executor/command.rs 1005-1033); a
  // tool that ran out of time completes it with "timeout" (the tool status's Display, noetl/tools
  // src/result.rs 34-41 at b8a5081; the worker's command.completed status, command.rs 1224-1257 at f6fae7e).
  if (type === 'command.completed' && (s === 'ERROR' || s === 'TIMEOUT')) return 'failed';
  if (type.startsWith('loop.state')) return 'emulation';
  switch (type) {
    case 'playbook_started':
    case 'playbook.initialized':
    case 'playbook.started':
    case 'workflow.initialized':
      return 'start';
    case 'step.enter':
    case 'step.exit':
    case 'loop.done':
      return 'step';
    case 'command.issued':
      return 'issued';
    case 'command.started':
    case 'command.claimed':
      return 'started';
    case 'call.done':
      return 'done';
    case 'command.completed':
      return 'completed';
    default:
      return 'other';
  }
}
