// Playbooks of ours that fail the way the upstream heavy-payload pair fails on noetl 4.26.0 (issue #38
// item 7), and how that engine ends each (seen here on the real engine; test/real-engine/failures-watch.test.ts
// checks it again, test/failing-runs.test.ts checks the sandbox's python dialect against the same table).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type pg from 'pg';
import { ROOT } from './cli.js';

export interface Ending {
  /** The execution's terminal event, or null: it stays RUNNING with no terminal event. */
  terminal: 'completed' | 'failed' | null;
  /** Nodes with command.failed. */
  failedNodes: string[];
  /** A batch.failed row whose error holds this text, or none. */
  batchFailed: string | null;
  /** Nodes with command.completed, sorted: compared only where the table names them. */
  completedNodes?: string[];
}

export const FAILING_RUNS: Array<{ file: string; path: string; ending: Ending }> = [
  {
    file: 'command0-in-input.yaml',
    path: 'tests/pf_command0_input',
    ending: { terminal: 'completed', failedNodes: [], batchFailed: null },
  },
  {
    file: 'tojson-in-sql.yaml',
    path: 'tests/pf_tojson_sql',
    ending: { terminal: 'failed', failedNodes: ['save'], batchFailed: null },
  },
  {
    file: 'input-data-global.yaml',
    path: 'tests/pf_input_data_global',
    ending: { terminal: 'failed', failedNodes: ['start'], batchFailed: null },
  },
  {
    file: 'sequence-end.yaml',
    path: 'tests/pf_sequence_end',
    ending: { terminal: null, failedNodes: [], batchFailed: null },
  },
  {
    file: 'command0-in-loop.yaml',
    path: 'tests/pf_command0_loop',
    ending: { terminal: null, failedNodes: [], batchFailed: "has no attribute 'command_0'" },
  },
  // The constructs 4.26.0 accepts that the sandbox once refused (issue #38 item 8; dialect.ts PYTHON_DSL).
  {
    file: 'step-keys.yaml',
    path: 'tests/pf_step_keys',
    ending: { terminal: 'failed', failedNodes: ['guarded'], batchFailed: null },
  },
  {
    file: 'inclusive-fanout.yaml',
    path: 'tests/pf_inclusive_fanout',
    ending: {
      terminal: 'completed',
      failedNodes: [],
      batchFailed: null,
      completedNodes: ['join', 'left', 'right', 'start'],
    },
  },
  {
    file: 'script-sources.yaml',
    path: 'tests/pf_script_sources',
    ending: { terminal: 'failed', failedNodes: ['start', 'from_file'], batchFailed: null },
  },
  // A parent of sequence-end.yaml (registered above): its playbook tool goes on at the child's inferred end.
  {
    file: 'sequence-end-child.yaml',
    path: 'tests/pf_sequence_end_child',
    ending: { terminal: 'completed', failedNodes: [], batchFailed: null, completedNodes: ['end', 'start'] },
  },
];

export const failingRunText = (file: string) =>
  readFileSync(path.join(ROOT, 'test', 'playbooks', 'failing-runs', file), 'utf8');

/** Registers and runs each playbook on a server, then reads how each ended (after `settleMs`). */
export async function endingsOn(base: string, pool: pg.Pool, settleMs: number): Promise<Record<string, Ending>> {
  const call = async (p: string, body: unknown) => {
    const r = await fetch(base + p, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (r.status !== 200) throw new Error(`${p}: ${r.status} ${await r.text()}`);
    return (await r.json()) as Record<string, unknown>;
  };
  const ids: Record<string, string> = {};
  for (const r of FAILING_RUNS) {
    await call('/api/catalog/register', {
      content: Buffer.from(failingRunText(r.file)).toString('base64'),
      resource_type: 'Playbook',
    });
    ids[r.file] = String((await call('/api/execute', { path: r.path, payload: {} })).execution_id);
  }
  await new Promise((res) => setTimeout(res, settleMs));
  const out: Record<string, Ending> = {};
  for (const r of FAILING_RUNS) {
    const { rows } = await pool.query(
      `SELECT event_type, node_name, coalesce(error, '') AS error FROM noetl.event WHERE execution_id = $1::bigint ORDER BY event_id`,
      [ids[r.file]],
    );
    const terminal = rows.find((x) => /^playbook[._](completed|failed)$/.test(x.event_type));
    const batch = rows.find((x) => x.event_type === 'batch.failed');
    out[r.file] = {
      terminal: terminal ? (terminal.event_type.endsWith('completed') ? 'completed' : 'failed') : null,
      failedNodes: [...new Set(rows.filter((x) => x.event_type === 'command.failed').map((x) => String(x.node_name)))],
      batchFailed: batch ? String(batch.error) : null,
      completedNodes: [
        ...new Set(rows.filter((x) => x.event_type === 'command.completed').map((x) => String(x.node_name))),
      ].sort(),
    };
  }
  return out;
}

/** The ending as the table states it (a batch error matched by its text). */
export function expectedOf(actual: Ending, want: Ending): Ending {
  const { completedNodes, ...rest } = actual;
  return {
    ...rest,
    ...(want.completedNodes ? { completedNodes } : {}),
    batchFailed:
      actual.batchFailed && want.batchFailed && actual.batchFailed.includes(want.batchFailed)
        ? want.batchFailed
        : actual.batchFailed,
  };
}
