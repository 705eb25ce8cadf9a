// Which events each engine writes, with which names, statuses and nodes: the sandbox's engine and command
// runner ask this table instead of branching on the dialect.
// - rust: noetl/server src/handlers/{execute,events}.rs, orchestrate-core (step.enter per step from the
//   server, `command.claimed` RUNNING, one call.done per command, command.completed success|error,
//   terminal rows on node `playbook`: noetl-contract §2.2, §7.1; upstream-oracles R2, R7, E4).
// - python: the legacy engine as noetl==4.26.0 writes it, read off the real engine here (test/real-engine):
//   playbook.initialized and workflow.initialized ("initialized"); per command issued PENDING, claimed
//   RUNNING, started RUNNING, step.enter RUNNING, call.done COMPLETED, step.exit COMPLETED,
//   command.completed COMPLETED; a task sequence's commands on node `<step>:task_sequence`; loop.done
//   "completed"; workflow.* then playbook.* in lower case at the end; execution.cancelled on node `cancel`;
//   after a command.failed still a step.exit COMPLETED (test/real-engine/differential.test.ts).
import type { Dialect } from '../model.js';
import type { Step } from './dsl.js';

export interface Emitted {
  event_type: string;
  node_id?: string;
  node_name: string;
  node_type?: string;
  status: string;
}

export interface EventShapes {
  readonly dialect: Dialect;
  /** The execution's first events (the start event carries the workload). */
  started(path: string): Emitted[];
  /**
   * The start event's context: Rust keeps the workload at context.workload, Python at
   * context.result.workload (noetl/core/dsl/engine/executor/lifecycle.py).
   */
  startContext(start: Record<string, unknown>): Record<string, unknown>;
  /** Whether the server writes step.enter once per step (Rust) rather than per command (Python). */
  readonly stepEnterPerStep: boolean;
  /**
   * A command's id: Rust's is `<execution_id>:<step>:<snowflake>` (a live kind call.done, noetl/tools
   * src/tools/playbook.rs test extract_child_payload_matches_live_kind_call_done_shape, R7).
   */
  commandId(executionId: string, step: string, id: string): string;
  /** The node a command's events name. */
  commandNode(step: Step): string;
  /** What follows command.issued when a worker takes the command. */
  dispatched(node: string): Emitted[];
  /** What follows the command's call.done: Python's step.exit, then command.completed. */
  completed(node: string, ok: boolean): Emitted[];
  /** The loop's own event once every iteration is done (Rust injects loop.done into arc evaluation only). */
  loopDone(step: string): Emitted | null;
  /** A failed command's events (Python still writes step.exit COMPLETED after command.failed). */
  failed(node: string): Emitted[];
  /**
   * A loop's collection the server could not render (templates.ts TemplateFault): 4.26.0 renders it while
   * it processes the worker's event batch, and the batch fails; nothing follows, no terminal event (seen
   * here: batch.failed on node events.batch, with the renderer's message). Null: the step fails instead.
   */
  serverRenderFailed(error: string): Emitted | null;
  terminal(state: 'COMPLETED' | 'FAILED', path: string): Emitted[];
  cancelled(path: string): Emitted;
  /**
   * A step that will not run: its `when` guard is false, or it is the target of an exclusive arc not taken
   * (Rust: orchestrate-core orchestrator.rs test_step_when_guard_skips_step, test_67_exclusive_routing_*);
   * null where the engine writes none.
   */
  stepSkipped(step: string): Emitted | null;
  /**
   * When a step's arcs exist and none matches: Rust waits for ever, RUNNING with no terminal event
   * (ai-meta 223 P8: five step.skipped, then nothing for 40 days); the legacy engine ends the run.
   */
  readonly noArcMatchedWaits: boolean;
  /**
   * A last step that is a task sequence (a `tool:` list) and succeeds ends the run with no terminal event,
   * RUNNING (noetl 4.26.0 core/dsl/engine/executor/events.py: its call.done routes on and returns at 1338,
   * before the completion check at 2340-2605; its step.exit is ignored, 1343-1345). Seen on noetl/e2e's
   * vars_test fixtures; a sequence that fails takes the completion check and ends the run FAILED.
   */
  readonly sequenceEndIsSilent: boolean;
  /**
   * A step's `set` written to the ctx scope (Rust: ctx.updated, status CONTEXT, orchestrator.rs
   * test_step_set_emits_ctx_updated_and_reenters_with_advanced_value); null where none is written.
   */
  ctxUpdated(step: string, values: Record<string, unknown>): (Emitted & { result: unknown }) | null;
}

export const EVENT_SHAPES: Record<Dialect, EventShapes> = {
  rust: {
    dialect: 'rust',
    started: (path) => [
      {
        event_type: 'playbook_started',
        node_id: 'playbook',
        node_name: path,
        node_type: 'execution',
        status: 'STARTED',
      },
    ],
    startContext: (start) => start,
    stepEnterPerStep: true,
    commandId: (executionId, step, id) => `${executionId}:${step}:${id}`,
    commandNode: (step) => step.step,
    dispatched: (node) => [
      { event_type: 'command.claimed', node_name: node, status: 'RUNNING' },
      { event_type: 'command.started', node_name: node, status: 'STARTED' },
    ],
    completed: (node, ok) => [{ event_type: 'command.completed', node_name: node, status: ok ? 'success' : 'error' }],
    loopDone: () => null,
    serverRenderFailed: () => null,
    failed: (node) => [
      { event_type: 'call.error', node_name: node, status: 'FAILED' },
      { event_type: 'command.failed', node_name: node, status: 'FAILED' },
    ],
    terminal: (state) => [
      {
        event_type: state === 'COMPLETED' ? 'playbook.completed' : 'playbook.failed',
        node_id: 'playbook',
        node_name: 'playbook',
        node_type: 'execution',
        status: state,
      },
    ],
    cancelled: () => ({
      event_type: 'playbook_cancelled',
      node_id: 'playbook',
      node_name: 'playbook',
      node_type: 'execution',
      status: 'CANCELLED',
    }),
    stepSkipped: (step) => ({ event_type: 'step.skipped', node_name: step, status: 'SKIPPED' }),
    noArcMatchedWaits: true,
    sequenceEndIsSilent: false,
    ctxUpdated: (step, values) => ({
      event_type: 'ctx.updated',
      node_name: step,
      status: 'CONTEXT',
      result: { status: 'CONTEXT', context: { step, values } },
    }),
  },
  python: {
    dialect: 'python',
    started: (path) => [
      {
        event_type: 'playbook.initialized',
        node_id: 'playbook',
        node_name: path,
        node_type: 'execution',
        status: 'initialized',
      },
      { event_type: 'workflow.initialized', node_name: 'workflow', node_type: 'workflow', status: 'initialized' },
    ],
    startContext: (start) => ({ result: start }),
    stepEnterPerStep: false,
    commandId: (_executionId, _step, id) => id,
    commandNode: (step) => (step.isSequence ? `${step.step}:task_sequence` : step.step),
    dispatched: (node) => [
      { event_type: 'command.claimed', node_name: node, status: 'RUNNING' },
      { event_type: 'command.started', node_name: node, status: 'RUNNING' },
      { event_type: 'step.enter', node_name: node, status: 'RUNNING' },
    ],
    completed: (node) => [
      { event_type: 'step.exit', node_name: node, status: 'COMPLETED' },
      { event_type: 'command.completed', node_name: node, status: 'COMPLETED' },
    ],
    loopDone: (step) => ({ event_type: 'loop.done', node_name: step, node_type: 'loop', status: 'completed' }),
    serverRenderFailed: (error) => ({
      event_type: 'batch.failed',
      node_id: 'events.batch',
      node_name: 'events.batch',
      status: 'FAILED',
      error,
    }),
    failed: (node) => [
      { event_type: 'call.error', node_name: node, status: 'FAILED' },
      { event_type: 'command.failed', node_name: node, status: 'FAILED' },
      { event_type: 'step.exit', node_name: node, status: 'COMPLETED' },
    ],
    terminal: (state, path) => {
      const s = state === 'COMPLETED' ? 'completed' : 'failed';
      return [
        { event_type: `workflow.${s}`, node_name: 'workflow', node_type: 'workflow', status: s },
        { event_type: `playbook.${s}`, node_id: 'playbook', node_name: path, node_type: 'execution', status: s },
      ];
    },
    cancelled: () => ({
      event_type: 'execution.cancelled',
      node_name: 'cancel',
      node_type: 'execution',
      status: 'CANCELLED',
    }),
    stepSkipped: () => null,
    noArcMatchedWaits: false,
    sequenceEndIsSilent: true,
    ctxUpdated: () => null,
  },
};
