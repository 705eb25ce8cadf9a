// The conformance suite's plumbing: inline playbooks registered on a real sandbox, run to an end (or to a
// deadline, for the runs upstream leaves waiting), and their events read back from noetl.event.
import { api, waitFor, type TestSandbox } from '../helpers/sandbox.js';

export interface Row {
  event_id: string;
  event_type: string;
  node_id: string | null;
  node_name: string | null;
  status: string;
  error: string | null;
  catalog_id: string;
  result: Record<string, unknown> | null;
}

/** A playbook from its steps (YAML text indented as workflow items). */
export function playbook(path: string, workflow: string, workload = '{}'): string {
  return `apiVersion: noetl.io/v2\nkind: Playbook\nmetadata:\n  name: ${path.split('/').pop()}\n  path: ${path}\nworkload: ${workload}\nworkflow:\n${workflow}`;
}

export async function register(sb: TestSandbox, content: string): Promise<void> {
  const r = await api(sb.apiUrl, 'POST', '/api/catalog/register', { content });
  if (r.status !== 200) throw new Error(`register: ${r.status} ${r.text}`);
}

export async function start(sb: TestSandbox, path: string, payload: Record<string, unknown> = {}): Promise<string> {
  const r = await api(sb.apiUrl, 'POST', '/api/execute', { path, payload });
  if (r.status !== 200) throw new Error(`execute ${path}: ${r.status} ${r.text}`);
  return String(r.json.execution_id);
}

export const statusOf = async (sb: TestSandbox, id: string): Promise<string> =>
  String((await api(sb.apiUrl, 'GET', `/api/executions/${id}/status`)).json.status);

/** Runs to a terminal status (COMPLETED, FAILED, CANCELLED). */
export async function runToEnd(sb: TestSandbox, path: string, payload: Record<string, unknown> = {}) {
  const id = await start(sb, path, payload);
  const status = await waitFor(
    async () => {
      const s = await statusOf(sb, id);
      return ['COMPLETED', 'FAILED', 'CANCELLED'].includes(s) ? s : undefined;
    },
    60_000,
    150,
  );
  // The terminal row is written just after the state changes: wait for it.
  const events = await waitFor(
    async () => {
      const rows = await eventsOf(sb, id);
      return rows.some((r) => TERMINAL.test(r.event_type)) ? rows : undefined;
    },
    5000,
    50,
  );
  return { id, status, events };
}

export async function eventsOf(sb: TestSandbox, id: string): Promise<Row[]> {
  const { rows } = await sb.pool.query(
    `SELECT event_id::text, event_type, node_id, node_name, status, error, catalog_id::text, result
       FROM noetl.event WHERE execution_id = $1 ORDER BY event_id`,
    [id],
  );
  return rows as Row[];
}

export const types = (rows: Row[], node?: string) =>
  rows.filter((r) => node === undefined || r.node_name === node).map((r) => r.event_type);

export const TERMINAL = /^playbook[._](completed|failed|cancelled)$/;
