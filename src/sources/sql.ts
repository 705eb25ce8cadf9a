// The SQL the tool sends, written once with $n parameters. The direct Postgres source binds them; the
// server's query endpoint cannot take parameters, so there they are inlined from validated values only
// (decimal ids and integers; strings are quoted with doubled quotes and must not contain NUL).

export type SqlParam = string | number | string[];

export interface Sql {
  text: string;
  params: SqlParam[];
}

/** The columns the event feed reads (issue #27: an event's bodies are large and the feed needs none of them). */
export const FEED_COLUMNS = 'event_id, execution_id, event_type, node_name, status, created_at';

/** FEED_COLUMNS as the feed reads them (of an event aliased `e`): ids as text, the time as ISO 8601. */
const FEED_SELECT = `e.event_id::text AS event_id, e.execution_id::text AS execution_id, e.event_type, e.node_name,
  e.status, to_char(e.created_at, 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS created_at`;

export const ID_RE = /^\d{1,20}$/;

function literal(p: SqlParam): string {
  if (Array.isArray(p)) {
    for (const id of p)
      if (!ID_RE.test(id)) throw new Error(`refusing to inline a non-numeric id ${JSON.stringify(id)}`);
    return p.length ? `ARRAY[${p.join(',')}]` : 'ARRAY[]::text[]';
  }
  if (typeof p === 'number') {
    if (!Number.isFinite(p)) throw new Error('refusing to inline a non-finite number');
    return String(p);
  }
  if (p.includes('\0')) throw new Error('refusing to inline a string with NUL');
  return `'${p.replace(/'/g, "''")}'`;
}

/** Replaces $n with literals, for the query endpoint only. */
export function inline(sql: Sql): string {
  return sql.text.replace(/\$(\d+)/g, (_, n: string) => literal(sql.params[Number(n) - 1]));
}

const RESULTS = 'public.heavy_payload_results';

export const q = {
  /** Per-execution figures; int4/float8/text only, which the Rust query endpoint decodes. */
  stats: (executionId: string): Sql => ({
    text: `SELECT count(*)::int4 AS stored_rows,
      count(*) FILTER (WHERE http_status = 200)::int4 AS ok_rows,
      min(item_id) AS min_item_id, max(item_id) AS max_item_id,
      coalesce(avg(request_bytes), 0)::float8 AS avg_request_bytes,
      coalesce(avg(response_bytes), 0)::float8 AS avg_response_bytes,
      extract(epoch FROM min(processed_at))::float8 AS first_at,
      extract(epoch FROM max(processed_at))::float8 AS last_at
      FROM ${RESULTS} WHERE execution_id = $1`,
    params: [executionId],
  }),
  perBatch: (executionId: string): Sql => ({
    text: `SELECT batch_number, count(*)::int4 AS rows FROM ${RESULTS} WHERE execution_id = $1 GROUP BY batch_number ORDER BY batch_number`,
    params: [executionId],
  }),
  /**
   * Missing item ids 1..expected as compressed ranges, computed in SQL: the gaps between consecutive stored
   * ids, with 0 and expected + 1 as the edges. One ordered read of the execution's stored ids (a walk of
   * 1..expected probing the index for each id took several times longer at 20,000 items).
   */
  missingRanges: (executionId: string, expected: number): Sql => ({
    text: `SELECT (prev + 1)::int4 AS lo, (item_id - 1)::int4 AS hi FROM (
        SELECT item_id, lag(item_id) OVER (ORDER BY item_id) AS prev FROM (
          SELECT r.item_id::int4 AS item_id FROM ${RESULTS} r WHERE r.execution_id = $1 AND r.item_id BETWEEN 1 AND $2::int4
          UNION ALL SELECT 0 UNION ALL SELECT $2::int4 + 1
        ) AS ids
      ) AS gaps
      WHERE item_id - prev > 1 ORDER BY lo LIMIT 5000`,
    params: [executionId, expected],
  }),
  children: (parentIds: string[]): Sql => ({
    text: `SELECT execution_id::text AS execution_id, parent_execution_id::text AS parent_execution_id,
      coalesce(context->'workload'->>'batch_number', context->'result'->'workload'->>'batch_number') AS batch_number,
      coalesce(context->'workload'->>'parent_execution_id', context->'result'->'workload'->>'parent_execution_id') AS input_parent
      FROM noetl.event
      WHERE parent_execution_id = ANY($1::bigint[]) AND event_type IN ('playbook_started', 'playbook.initialized')`,
    params: [parentIds],
  }),
  /** The feed's page: only the columns the observer uses, never an event's context or result bodies. */
  eventsAfter: (executionIds: string[], after: string, limit: number): Sql => ({
    // One primary-key range per execution (ordered by the whole key (execution_id, event_id), so the
    // planner reads that range), then merged: ordering all of them by event_id at once can walk the
    // event_id index through every newer event of every other execution.
    text: `SELECT ${FEED_SELECT}
      FROM unnest($1::bigint[]) AS x(id)
      CROSS JOIN LATERAL (SELECT ${FEED_COLUMNS} FROM noetl.event WHERE execution_id = x.id AND event_id > $2::bigint ORDER BY execution_id, event_id LIMIT $3) e
      ORDER BY e.event_id LIMIT $3`,
    params: [executionIds, after, limit],
  }),
  /**
   * How many events each span holds between its floor and its cursor (`k` numbers the spans; a span may
   * cover several executions): one primary-key range count per execution, no row read.
   */
  spanCounts: (keys: string[], executionIds: string[], los: string[], his: string[]): Sql => ({
    text: `SELECT x.k, sum((SELECT count(*) FROM noetl.event e
        WHERE e.execution_id = x.id AND e.event_id > x.lo AND e.event_id <= x.hi))::int4 AS n
      FROM unnest($1::int4[], $2::bigint[], $3::bigint[], $4::bigint[]) AS x(k, id, lo, hi) GROUP BY x.k`,
    params: [keys, executionIds, los, his],
  }),
  /** The events of a span the feed does not hold (late commits), feed columns only. */
  eventsInSpan: (executionIds: string[], lo: string, hi: string, held: string[]): Sql => ({
    text: `SELECT ${FEED_SELECT} FROM noetl.event e
      WHERE e.execution_id = ANY($1::bigint[]) AND e.event_id > $2::bigint AND e.event_id <= $3::bigint
        AND NOT (e.event_id = ANY($4::bigint[]))
      ORDER BY e.event_id`,
    params: [executionIds, lo, hi, held],
  }),
  /**
   * The summarize step's result: Rust keeps it in call.done's context.result.context.data, Python in
   * step.exit's context (the tool's object with the command and worker ids, noetl 4.26.0). `tail` reads only the
   * execution's last events through the primary key (summarize is the last step, so its event is there),
   * bounded whatever the log holds; without it every event of the execution is looked at. A lean log
   * (NOETL_PERMANENT_LOG_LEAN on the Rust server: src/services/permanent_log_lean.rs) keeps only a reference
   * and its bounded `extracted` block (numbers kept, long strings as {_len}, arrays cut to their first
   * element): that is read as {lean_reference, extracted}, so nobody takes it for the whole value.
   */
  summarize: (executionId: string, tail?: number): Sql => ({
    text: `SELECT coalesce(result->'context'->'result'->'context'->'data',
        CASE WHEN result->'context'->'result'->'reference' IS NOT NULL THEN jsonb_build_object(
          'lean_reference', result->'context'->'result'->'reference'->'ref',
          'extracted', coalesce(result->'context'->'result'->'reference'->'extracted'->'data', result->'context'->'result'->'reference'->'extracted')) END,
        ((result->'context') - 'command_id' - 'worker_id'), result) AS data
      FROM ${tail ? `(SELECT event_id, node_name, event_type, result FROM noetl.event WHERE execution_id = $1::bigint ORDER BY execution_id DESC, event_id DESC LIMIT ${Math.floor(tail)}) e` : 'noetl.event'}
      WHERE ${tail ? '' : 'execution_id = $1::bigint AND '}node_name = 'summarize' AND event_type IN ('call.done', 'step.exit')
      ORDER BY event_id DESC LIMIT 1`,
    params: [executionId],
  }),
  /**
   * The workload an execution started with: its start event's context (Rust: context.workload; Python:
   * context.result.workload, noetl/core/dsl/engine/executor/lifecycle.py).
   */
  workload: (executionId: string): Sql => ({
    text: `SELECT coalesce(context->'workload', context->'result'->'workload') AS workload, catalog_id::text AS catalog_id, node_name AS path
      FROM noetl.event WHERE execution_id = $1::bigint AND event_type IN ('playbook_started', 'playbook.initialized')
      ORDER BY execution_id, event_id LIMIT 1`,
    params: [executionId],
  }),
  /** Whether the fixture's two tables exist yet (its first step creates them). */
  fixtureTables: (): Sql => ({
    text: `SELECT (to_regclass('public.heavy_payload_results') IS NOT NULL
      AND to_regclass('public.heavy_payload_source') IS NOT NULL) AS present`,
    params: [],
  }),
  /** cleanup: the fixture rows of these executions, per table. */
  cleanupCounts: (executionIds: string[]): Sql => ({
    text: `SELECT (SELECT count(*)::int4 FROM ${RESULTS} WHERE execution_id = ANY($1::text[])) AS results,
      (SELECT count(*)::int4 FROM public.heavy_payload_source WHERE execution_id = ANY($1::text[])) AS source`,
    params: [executionIds],
  }),
  /** cleanup: deletes them from both tables in one statement (one transaction), returning the counts. */
  cleanupDelete: (executionIds: string[]): Sql => ({
    text: `WITH r AS (DELETE FROM ${RESULTS} WHERE execution_id = ANY($1::text[]) RETURNING 1),
      s AS (DELETE FROM public.heavy_payload_source WHERE execution_id = ANY($1::text[]) RETURNING 1)
      SELECT (SELECT count(*)::int4 FROM r) AS results, (SELECT count(*)::int4 FROM s) AS source`,
    params: [executionIds],
  }),
  /** The execution started with this loadrun launch id in its workload, if any. */
  /** Per execution, its command events of the last `seconds` (one execution's key range each). */
  recentCommands: (executionIds: string[], seconds: number): Sql => ({
    text: `SELECT e.execution_id::text AS execution_id, count(*)::int4 AS n FROM noetl.event e
      WHERE e.execution_id = ANY($1::bigint[]) AND e.event_type LIKE 'command.%'
        AND e.created_at > now() - make_interval(secs => $2::int4)
      GROUP BY e.execution_id`,
    params: [executionIds, seconds],
  }),
  launched: (launchId: string): Sql => ({
    text: `SELECT execution_id::text AS execution_id FROM noetl.event
      WHERE event_type IN ('playbook_started', 'playbook.initialized') AND coalesce(context->'workload', context->'result'->'workload')->>'loadrun_launch_id' = $1
      ORDER BY event_id LIMIT 1`,
    params: [launchId],
  }),
};
