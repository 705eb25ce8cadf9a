// The sandbox's rust dialect against NoETL's own tests, checks and recorded runs (issue #30). Each scenario
// is an upstream test or check about behaviour seen from outside (register → execute → events and API
// answers), run here on a real sandbox, and names the file, test and commit it comes from. Where the
// upstream behaviour depends on a worker flag, the scenario says which variant it checks. CONFORMANCE.md
// is the table of these scenarios with the areas no upstream oracle covers.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, sandbox, waitFor, type TestSandbox } from '../helpers/sandbox.js';
import { eventsOf, playbook, register, runToEnd, start, statusOf, TERMINAL, types, type Row } from './helpers.js';

const py = (code: string, extra = '') =>
  `    tool:\n      kind: python\n${extra}      code: |\n${code
    .split('\n')
    .map((l) => `        ${l}`)
    .join('\n')}\n`;
const step = (name: string, body: string, next?: string) =>
  `  - step: ${name}\n${body}${next ? `    next:\n      arcs:\n        - step: ${next}\n` : ''}`;
const commandsOf = (rows: Row[], node: string) =>
  rows.filter((r) => r.event_type === 'command.issued' && r.node_name === node);

let sb: TestSandbox;
beforeAll(async () => {
  sb = await sandbox({ dialect: 'rust' });
});
afterAll(async () => sb?.close());

describe('loops (orchestrate-core src/orchestrator.rs @37296d1, state.rs @14a15b9)', () => {
  const loopPb = (path: string, items: string, spec: string) =>
    playbook(
      path,
      `  - step: start\n    loop:\n      in: "${items}"\n      iterator: it\n${spec}${py('result = {"v": it}', '      input:\n        it: "{{ it }}"\n')}    next:\n      arcs:\n        - step: end\n${step('end', py('result = {"done": True}'))}`,
    );

  it('O1 test_step_loop_fans_out_iterations: a parallel loop issues every item before any completes', async () => {
    await register(
      sb,
      loopPb('conf/loop_parallel', '{{ [1, 2, 3, 4, 5, 6] }}', '      spec:\n        mode: parallel\n'),
    );
    const { status, events } = await runToEnd(sb, 'conf/loop_parallel');
    expect(status).toBe('COMPLETED');
    const t = types(events, 'start');
    expect(t.lastIndexOf('command.issued')).toBeLessThan(t.indexOf('command.completed'));
    expect(commandsOf(events, 'start')).toHaveLength(6);
  });

  it('O2 test_step_loop_default_mode_is_sequential: the next item is issued on the previous completion', async () => {
    await register(sb, loopPb('conf/loop_default', '{{ [1, 2, 3] }}', ''));
    const { status, events } = await runToEnd(sb, 'conf/loop_default');
    expect(status).toBe('COMPLETED');
    const t = types(events, 'start').filter((x) => x === 'command.issued' || x === 'command.completed');
    expect(t).toEqual(Array(3).fill(['command.issued', 'command.completed']).flat());
  });

  it('O3 test_step_loop_empty_collection_short_circuits: no command, the run goes on', async () => {
    await register(sb, loopPb('conf/loop_empty', '{{ [] }}', '      spec:\n        mode: parallel\n'));
    const { status, events } = await runToEnd(sb, 'conf/loop_empty');
    expect(status).toBe('COMPLETED');
    expect(commandsOf(events, 'start')).toHaveLength(0);
    expect(commandsOf(events, 'end')).toHaveLength(1);
  });

  it('O4 test_step_loop_non_iterable_in_fails_loudly: loop.in that is not a list ends the run FAILED', async () => {
    await register(sb, loopPb('conf/loop_scalar', '{{ workload.batch_slots }}', ''));
    const { status, events } = await runToEnd(sb, 'conf/loop_scalar');
    expect(status).toBe('FAILED');
    expect(events.filter((r) => TERMINAL.test(r.event_type)).map((r) => [r.event_type, r.node_name])).toEqual([
      ['playbook.failed', 'playbook'],
    ]);
  });

  it('O14 test_iterator_step_aggregates_completion: the loop result is the iterations in arrival order', async () => {
    const pb = playbook(
      'conf/loop_result',
      `  - step: start\n    loop:\n      in: "{{ [3, 1, 2] }}"\n      iterator: it\n      spec:\n        mode: parallel\n${py('import time\ntime.sleep(it / 10)\nresult = {"v": it}', '      input:\n        it: "{{ it }}"\n')}    next:\n      arcs:\n        - step: end\n${step('end', py('result = {"n": n}', '      input:\n        n: "{{ start | length }}"\n'))}`,
    );
    await register(sb, pb);
    const { status, events } = await runToEnd(sb, 'conf/loop_result');
    expect(status).toBe('COMPLETED');
    const done = events.find((r) => r.event_type === 'call.done' && r.node_name === 'end')!;
    expect(JSON.stringify(done.result)).toContain('"n":3');
  });
});

describe('branching (orchestrate-core src/orchestrator.rs @37296d1; ai-meta 223 P8 @cf6d0d0)', () => {
  it('O7 test_step_when_guard_skips_step: a false step guard writes step.skipped, no command, and the run completes', async () => {
    const pb = playbook(
      'conf/when_guard',
      step('start', py('result = {}'), 'middle') +
        `  - step: middle\n    when: "{{ false }}"\n${py('result = {}')}    next:\n      arcs:\n        - step: end\n` +
        step('end', py('result = {}')),
    );
    await register(sb, pb);
    const { status, events } = await runToEnd(sb, 'conf/when_guard');
    expect(status).toBe('COMPLETED');
    expect(events.filter((r) => r.event_type === 'step.skipped').map((r) => [r.node_name, r.status])).toEqual([
      ['middle', 'SKIPPED'],
    ]);
    expect(commandsOf(events, 'middle')).toHaveLength(0);
  });

  it('O8 test_67_exclusive_routing_emits_step_skipped_for_unmatched_siblings', async () => {
    const pb = playbook(
      'conf/exclusive',
      `${step('start', py('result = {"random_value": 15}'))}    next:\n      spec:\n        mode: exclusive\n      arcs:\n        - step: process_high\n          when: "{{ start.random_value > 10 }}"\n        - step: process_low\n          when: "{{ start.random_value <= 10 }}"\n` +
        step('process_high', py('result = {"category": "high"}'), 'end') +
        step('process_low', py('result = {"category": "low"}'), 'end') +
        step('end', py('result = {}')),
    );
    await register(sb, pb);
    const { status, events } = await runToEnd(sb, 'conf/exclusive');
    expect(status).toBe('COMPLETED');
    expect(events.filter((r) => r.event_type === 'step.skipped').map((r) => r.node_name)).toEqual(['process_low']);
    expect(commandsOf(events, 'process_high')).toHaveLength(1);
  });

  it('O12 test_orchestrator_dispatches_with_arc_set_mutations_applied and test_step_set_emits_ctx_updated_*: set writes the ctx scope', async () => {
    const pb = playbook(
      'conf/set_ctx',
      `${step('start', py('result = {"n": 41}'))}    set:\n      ctx.counter: "{{ start.n }}"\n    next:\n      arcs:\n        - step: use_vars\n          set:\n            ctx.x: 42\n` +
        step(
          'use_vars',
          py(
            'result = {"x": x, "counter": counter}',
            '      input:\n        x: "{{ x }}"\n        counter: "{{ ctx.counter }}"\n',
          ),
        ),
    );
    await register(sb, pb);
    const { status, events } = await runToEnd(sb, 'conf/set_ctx');
    expect(status).toBe('COMPLETED');
    const updated = events.filter((r) => r.event_type === 'ctx.updated');
    expect(updated.map((r) => [r.node_name, r.status, JSON.stringify(r.result)])).toEqual([
      ['start', 'CONTEXT', expect.stringContaining('"values":{"counter":41}')],
    ]);
    const done = events.find((r) => r.event_type === 'call.done' && r.node_name === 'use_vars')!;
    expect(JSON.stringify(done.result)).toMatch(/"x":42,"counter":41/);
  });

  it('R3 (P8-muno-provenance.md): when every arc is false the run writes step.skipped for each and waits, RUNNING, with no terminal event', async () => {
    const pb = playbook(
      'conf/all_false',
      `${step('start', py('result = {"kind": "none"}'))}    next:\n      spec:\n        mode: exclusive\n      arcs:\n` +
        ['a', 'b', 'c']
          .map((s) => `        - step: branch_${s}\n          when: "{{ start.kind == '${s}' }}"\n`)
          .join('') +
        ['a', 'b', 'c'].map((s) => step(`branch_${s}`, py('result = {}'))).join(''),
    );
    await register(sb, pb);
    const id = await start(sb, 'conf/all_false');
    let events: Row[] = [];
    for (let i = 0; i < 40 && events.filter((r) => r.event_type === 'step.skipped').length < 3; i++) {
      await new Promise((r) => setTimeout(r, 100));
      events = await eventsOf(sb, id);
    }
    await new Promise((r) => setTimeout(r, 1500)); // the engine has nothing left to do: nothing more comes
    events = await eventsOf(sb, id);
    expect(events.filter((r) => r.event_type === 'step.skipped').map((r) => r.node_name)).toEqual([
      'branch_a',
      'branch_b',
      'branch_c',
    ]);
    expect(events.some((r) => TERMINAL.test(r.event_type))).toBe(false);
    expect(await statusOf(sb, id)).toBe('RUNNING');
  });
});

describe('failures (worker src/executor/command.rs @26e2d80; ai-meta kind-regression-harness.sh @826a8f9)', () => {
  it('C10: a python step that raises still ends playbook.completed COMPLETED, its error recorded on the step (NOETL_EXECUTION_FAIL_ON_STEP_ERROR off, the default through worker v5.133)', async () => {
    await register(
      sb,
      playbook('conf/raises', step('start', py('raise RuntimeError("boom")'), 'end') + step('end', py('result = {}'))),
    );
    const { status, events } = await runToEnd(sb, 'conf/raises');
    expect(status).toBe('COMPLETED');
    const completed = events.find((r) => r.event_type === 'command.completed' && r.node_name === 'start')!;
    expect(completed.status).toBe('error');
    expect(JSON.stringify(events.find((r) => r.event_type === 'call.done' && r.node_name === 'start')!.result)).toMatch(
      /RuntimeError: boom/,
    );
    expect(commandsOf(events, 'end')).toHaveLength(1); // the DAG advances (noetl/server#434)
  });

  it('W1 predispatch_terminal_failure_emits_call_error and S1 (any command.failed is FAILED): a missing credential', async () => {
    const pb = playbook(
      'conf/no_credential',
      `  - step: start\n    tool:\n      kind: postgres\n      auth: no_such_alias\n      command: SELECT 1\n    next:\n      arcs:\n        - step: end\n${step('end', py('result = {}'))}`,
    );
    await register(sb, pb);
    const { status, events } = await runToEnd(sb, 'conf/no_credential');
    expect(status).toBe('FAILED');
    const failedTypes = types(events, 'start').filter((t) => t === 'call.error' || t === 'command.failed');
    expect(failedTypes).toEqual(['call.error', 'command.failed']);
    expect(JSON.stringify(events.find((r) => r.event_type === 'call.error')!.result)).toMatch(/no_such_alias/);
  });
});

describe('result shapes (recorded R7: tools src/tools/playbook.rs @cd54568)', () => {
  it('extract_child_payload_matches_live_kind_call_done_shape: call.done as a live kind run writes it', async () => {
    await register(sb, playbook('conf/call_done_shape', step('start', py('result = {"status": "ok", "n": 1}'))));
    const { id, status, events } = await runToEnd(sb, 'conf/call_done_shape');
    expect(status).toBe('COMPLETED');
    const done = events.find((r) => r.event_type === 'call.done')!.result as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(done.status).toBe('COMPLETED');
    expect(done.context.call_index).toBe(0);
    expect(done.context.command_id).toMatch(new RegExp(`^${id}:start:\\d+$`));
    expect(done.context.result).toEqual({
      status: 'success',
      context: { status: 'success', data: { status: 'ok', n: 1 } },
    });
    // command.completed carries exactly {command_id, status} (worker command.rs command_completed_context_*, W3)
    const completed = events.find((r) => r.event_type === 'command.completed')!.result as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(completed.context).toEqual({ command_id: done.context.command_id, status: 'success' });
  });
});

describe('python entry conventions (tools src/tools/python.rs @92716a5)', () => {
  const cases: Array<[string, string, string]> = [
    [
      'input keys as variables, print() kept apart (hello_world)',
      'print(f"HELLO: {message}")\nresult = {"m": message}',
      '"m":"hi"',
    ],
    ['test_input_data_global_is_injected', 'result = {"m": input_data["message"]}', '"m":"hi"'],
    ['test_top_level_return_wraps_user_code', 'x = message.upper()\nreturn {"m": x}', '"m":"HI"'],
    ['test_python_main_function_convention', 'def main(message):\n    return {"m": message + "!"}', '"m":"hi!"'],
    [
      'test_python_async_main_function',
      'import asyncio\nasync def main(message):\n    await asyncio.sleep(0)\n    return {"m": message * 2}',
      '"m":"hihi"',
    ],
    [
      'test_explicit_result_wins_over_main',
      'def main(message):\n    return {"m": "main"}\nresult = {"m": "result"}',
      '"m":"result"',
    ],
  ];
  it.each(cases)('%s', async (name, code, want) => {
    const path = `conf/py_${name.replace(/\W+/g, '_').slice(0, 40)}`;
    await register(
      sb,
      playbook(
        path,
        step('start', py(code, '      input:\n        message: "{{ workload.message }}"\n')),
        '{message: hi}',
      ),
    );
    const { status, events } = await runToEnd(sb, path);
    expect(status).toBe('COMPLETED');
    const done = events.find((r) => r.event_type === 'call.done')!;
    expect(JSON.stringify(done.result)).toContain(want);
    expect(events.find((r) => r.event_type === 'command.completed')!.status).toBe('success');
  });
});

describe('cancel, finalize and the event log (e2e scripts @680c3c8, @1deadf1)', () => {
  const slow = playbook('conf/slow', step('start', py('import time\ntime.sleep(5)\nresult = {}')));

  it('kind_validate_cancel_finalize_gate.sh: the cancel row is node_id = node_name = playbook, CANCELLED', async () => {
    await register(sb, slow);
    const id = await start(sb, 'conf/slow');
    const r = await api(sb.apiUrl, 'POST', `/api/executions/${id}/cancel`, {});
    expect(r.json).toMatchObject({ status: 'cancelled' });
    const row = await waitFor(
      async () => (await eventsOf(sb, id)).find((e) => /cancelled/.test(e.event_type)),
      5000,
      50,
    );
    expect([row.event_type, row.node_id, row.node_name, row.status]).toEqual([
      'playbook_cancelled',
      'playbook',
      'playbook',
      'CANCELLED',
    ]);
    expect(await statusOf(sb, id)).toBe('CANCELLED');
  });

  it('kind_validate_cancel_finalize_gate.sh: POST /finalize writes a playbook_failed row on node playbook with the given error', async () => {
    await register(sb, slow);
    const id = await start(sb, 'conf/slow');
    const bad = await api(sb.apiUrl, 'POST', `/api/executions/${id}/finalize`, { status: 'DONE' });
    expect([bad.status, bad.json?.error]).toEqual([422, 'Invalid finalization status: DONE']);
    const r = await api(sb.apiUrl, 'POST', `/api/executions/${id}/finalize`, { status: 'FAILED', error: 'gate check' });
    expect(r.json).toMatchObject({ status: 'FAILED', message: 'Execution finalized with status: FAILED' });
    const row = await waitFor(
      async () => (await eventsOf(sb, id)).find((e) => e.event_type === 'playbook_failed'),
      5000,
      50,
    );
    expect([row.node_id, row.node_name, row.status, row.error]).toEqual([
      'playbook',
      'playbook',
      'FAILED',
      'gate check',
    ]);
    expect(await statusOf(sb, id)).toBe('FAILED');
  });

  it('prod_regression_validate.py: per execution, distinct event ids, no catalog_id 0, exactly one terminal event', async () => {
    await register(
      sb,
      playbook('conf/invariants', step('start', py('result = {}'), 'end') + step('end', py('result = {}'))),
    );
    const { status, events } = await runToEnd(sb, 'conf/invariants');
    expect(status).toBe('COMPLETED');
    expect(new Set(events.map((r) => r.event_id)).size).toBe(events.length);
    expect(events.filter((r) => r.catalog_id === '0')).toEqual([]);
    expect(events.filter((r) => TERMINAL.test(r.event_type))).toHaveLength(1);
  });
});

describe('failures with NOETL_EXECUTION_FAIL_ON_STEP_ERROR on (worker tests/tool_error_gates_the_dag.rs @be51cd62, W5)', () => {
  let gated: TestSandbox;
  beforeAll(async () => {
    gated = await sandbox({ dialect: 'rust', extraArgs: ['--fail-on-step-error'] });
  });
  afterAll(async () => gated?.close());

  it('a python step that raises fails its command (command.failed) and the run ends FAILED, the DAG stops', async () => {
    await register(
      gated,
      playbook(
        'conf/raises_gated',
        step('start', py('raise RuntimeError("boom")'), 'end') + step('end', py('result = {}')),
      ),
    );
    const { status, events } = await runToEnd(gated, 'conf/raises_gated');
    expect(status).toBe('FAILED');
    expect(types(events, 'start')).toContain('command.failed');
    expect(types(events, 'start')).not.toContain('command.completed');
    expect(commandsOf(events, 'end')).toHaveLength(0);
  });
});
