// The SQL the sandbox API runs against noetl.event and noetl.result_store, kept out of the handlers.
import type pg from 'pg';

const CREATED_AT = `to_char(created_at, 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS created_at`;

/** Rust execution detail: the newest 2000 events, in ascending order. */
export async function detailEvents(pool: pg.Pool, executionId: string) {
  const { rows } = await pool.query(
    `SELECT * FROM (SELECT event_id::text AS event_id, event_type, node_name, status, ${CREATED_AT}, result, error
       FROM noetl.event WHERE execution_id = $1 ORDER BY event_id DESC LIMIT 2000) t ORDER BY event_id::bigint ASC`,
    [executionId],
  );
  return rows.map((r) => ({ ...r, event_id: BigInt(r.event_id) }));
}

/**
 * Rust ehdb projection: events after a cursor, ascending, no bodies. Ordered by the whole primary key so
 * the planner reads the (execution_id, event_id) range, never the event_id index across all executions.
 */
export async function ehdbEvents(pool: pg.Pool, executionId: string, after: string, limit: number) {
  const { rows } = await pool.query(
    `SELECT event_id::text AS event_id, execution_id::text AS execution_id, event_type, node_name, status, ${CREATED_AT}
     FROM noetl.event WHERE execution_id = $1 AND event_id > $2 ORDER BY execution_id, event_id ASC LIMIT $3`,
    [executionId, after, limit],
  );
  return rows;
}

export async function eventCount(pool: pg.Pool, executionId: string): Promise<number> {
  const { rows } = await pool.query('SELECT count(*)::int AS n FROM noetl.event WHERE execution_id = $1', [
    executionId,
  ]);
  return rows[0].n as number;
}

/** Python event pages: filtered by since_event_id and event_type, ordered either way, with the total. */
export async function pythonEventPage(
  pool: pg.Pool,
  executionId: string,
  f: { since: string | null; type: string | null; page: number; size: number; order: 'ASC' | 'DESC' },
) {
  const where = ['execution_id = $1'];
  const args: unknown[] = [executionId];
  if (f.since && /^\d+$/.test(f.since)) where.push(`event_id > $${args.push(f.since)}`);
  if (f.type) where.push(`event_type = $${args.push(f.type)}`);
  const total = (await pool.query(`SELECT count(*)::int AS n FROM noetl.event WHERE ${where.join(' AND ')}`, args))
    .rows[0].n as number;
  const { rows } = await pool.query(
    `SELECT event_id::text AS event_id, execution_id::text AS execution_id, parent_execution_id::text AS parent_execution_id, event_type, node_name, node_type, status,
       to_char(created_at, 'YYYY-MM-DD"T"HH24:MI:SS.US') AS timestamp, current_index, result, meta, error
     FROM noetl.event WHERE ${where.join(' AND ')} ORDER BY event_id ${f.order} LIMIT $${args.push(f.size)} OFFSET $${args.push((f.page - 1) * f.size)}`,
    args,
  );
  return { rows, total };
}

export async function resolveResult(pool: pg.Pool, ref: string): Promise<unknown | undefined> {
  const { rows } = await pool.query('SELECT data FROM noetl.result_store WHERE ref = $1', [ref]);
  return rows.length ? rows[0].data : undefined;
}
