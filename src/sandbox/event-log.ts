// The sandbox's `noetl` schema: catalog, the event log with the contract's columns (noetl-contract §2.1)
// and the result store. Events go through one ordered writer: ids are assigned in emit order and rows are
// committed in that order, so a reader following `event_id > cursor` never skips a row.
import pg from 'pg';
import { Snowflake } from './snowflake.js';
import { STAGES } from './stages.js';

export const SCHEMA_SQL = `
CREATE SCHEMA IF NOT EXISTS noetl;
CREATE TABLE IF NOT EXISTS noetl.catalog (
  catalog_id BIGINT PRIMARY KEY,
  path TEXT NOT NULL,
  version INTEGER NOT NULL,
  kind TEXT NOT NULL,
  content TEXT NOT NULL,
  layout JSONB,
  payload JSONB,
  meta JSONB,
  created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  UNIQUE (path, version)
);
CREATE TABLE IF NOT EXISTS noetl.event (
  execution_id BIGINT NOT NULL,
  catalog_id BIGINT NOT NULL,
  event_id BIGINT NOT NULL,
  parent_event_id BIGINT,
  parent_execution_id BIGINT,
  prev_event_id BIGINT,
  created_at TIMESTAMP NOT NULL DEFAULT (now() AT TIME ZONE 'UTC'),
  event_type VARCHAR,
  node_id VARCHAR,
  node_name VARCHAR,
  node_type VARCHAR,
  status VARCHAR,
  duration DOUBLE PRECISION,
  context JSONB,
  result JSONB,
  meta JSONB,
  error TEXT,
  current_index INTEGER,
  current_item TEXT,
  worker_id VARCHAR,
  distributed_state VARCHAR,
  context_key VARCHAR,
  context_value TEXT,
  trace_component JSONB,
  stack_trace TEXT,
  PRIMARY KEY (execution_id, event_id),
  CONSTRAINT chk_event_result_shape CHECK (
    result IS NULL OR (
      jsonb_typeof(result) = 'object' AND jsonb_typeof(result->'status') = 'string'
      AND (result - 'status' - 'context' - 'reference') = '{}'::jsonb
    )
  )
);
CREATE INDEX IF NOT EXISTS event_event_id_idx ON noetl.event (event_id);
CREATE INDEX IF NOT EXISTS event_parent_execution_idx ON noetl.event (parent_execution_id);
CREATE TABLE IF NOT EXISTS noetl.result_store (
  ref TEXT PRIMARY KEY,
  execution_id BIGINT NOT NULL,
  step TEXT,
  data JSONB,
  bytes INTEGER NOT NULL,
  sha256 TEXT NOT NULL,
  created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
`;

/**
 * For the sandbox's own throw-away Postgres only (never a --pg-url database): the result store is not
 * WAL-logged and its payloads are stored uncompressed. The cluster is deleted when the sandbox stops, so
 * durability buys nothing, and pglz compressing about a megabyte per item was the largest single function
 * on the machine during a fixture run (perf). What the client reads back is the same JSON.
 */
export const EPHEMERAL_RESULT_STORE_SQL = `
ALTER TABLE noetl.result_store SET UNLOGGED;
ALTER TABLE noetl.result_store ALTER COLUMN data SET STORAGE EXTERNAL;
`;

export interface EventRow {
  execution_id: bigint;
  catalog_id: bigint;
  parent_execution_id?: bigint | null;
  parent_event_id?: bigint | null;
  event_type: string;
  node_id?: string | null;
  node_name?: string | null;
  node_type?: string | null;
  status?: string | null;
  duration?: number | null;
  context?: unknown;
  result?: unknown;
  meta?: unknown;
  error?: string | null;
  current_index?: number | null;
  current_item?: string | null;
  worker_id?: string | null;
}

const COLUMNS = [
  'event_id',
  'execution_id',
  'catalog_id',
  'parent_event_id',
  'prev_event_id',
  'parent_execution_id',
  'event_type',
  'node_id',
  'node_name',
  'node_type',
  'status',
  'duration',
  'context',
  'result',
  'meta',
  'error',
  'current_index',
  'current_item',
  'worker_id',
  'created_at',
] as const;

interface Queued {
  row: EventRow;
  eventId: bigint;
  prevEventId: bigint | null;
  createdAt: Date;
  done: () => void;
  fail: (e: Error) => void;
}

// A terminal event is never held back by late-commit: the engine drains before it and it ends the run.
const TERMINAL = new Set(['playbook.completed', 'playbook.failed']);

export class EventLog {
  private readonly ids = new Snowflake(7);
  private queue: Queued[] = [];
  private flushing = false;
  private readonly lastByExecution = new Map<bigint, bigint>();
  private failures = 0;
  written = 0;

  private emitted = 0;
  private readonly late = new Set<Promise<void>>();
  /** Per execution, the events emitted and not yet committed (or failed). */
  private readonly pending = new Map<bigint, Set<Promise<void>>>();

  constructor(
    private readonly pool: pg.Pool,
    private readonly onError: (msg: string) => void,
    /** Fault late-commit (emulation): every Nth event's insert is held back this long, after later ids commit. */
    private readonly lateCommit?: { every: number; ms: number },
    /**
     * Fault materializer-stall (emulation): after this many events, nothing reaches noetl.event for `ms`
     * while the engine goes on (production's server publishes events and the system pool's materializer
     * writes them: NOETL_EVENT_INGEST_PUBLISH_ONLY, noetl-contract §7.5); then the backlog lands.
     */
    private readonly materializerStall?: { afterEvents: number; ms: number },
  ) {}

  private published = 0;
  /** Until when the emulated materializer writes nothing (0: it never stalled). */
  holdUntil = 0;

  get holding(): boolean {
    // Asked on every emit: no clock read unless the fault ever stalled the log.
    return this.holdUntil > 0 && Date.now() < this.holdUntil;
  }

  newId(): bigint {
    return this.ids.next();
  }

  /** Queues one event; the id is fixed now. Resolves once the row is committed. */
  emit(row: EventRow): { eventId: bigint; written: Promise<void> } {
    const eventId = this.ids.next();
    const prevEventId = this.lastByExecution.get(row.execution_id) ?? null;
    this.lastByExecution.set(row.execution_id, eventId);
    let done!: () => void;
    let fail!: (e: Error) => void;
    const written = new Promise<void>((res, rej) => {
      done = res;
      fail = rej;
    });
    written.catch(() => {}); // failures are reported through onError; callers may ignore the promise
    this.track(row.execution_id, written);
    const item = { row, eventId, prevEventId, createdAt: new Date(), done, fail };
    if (this.materializerStall && ++this.published === this.materializerStall.afterEvents)
      this.holdUntil = Date.now() + this.materializerStall.ms;
    if (this.holding) done(); // published: the engine goes on; the row waits for the materializer
    if (this.lateCommit && ++this.emitted % this.lateCommit.every === 0 && !TERMINAL.has(row.event_type)) {
      const held = new Promise<void>((r) => setTimeout(r, this.lateCommit!.ms)).then(() => {
        this.queue.push(item);
        if (!this.flushing) void this.flush();
      });
      this.late.add(held);
      void held.then(() => this.late.delete(held));
      return { eventId, written };
    }
    this.queue.push(item);
    if (!this.flushing) void this.flush();
    return { eventId, written };
  }

  private track(executionId: bigint, written: Promise<void>): void {
    const set = this.pending.get(executionId) ?? new Set<Promise<void>>();
    set.add(written);
    this.pending.set(executionId, set);
    const settle = () => {
      set.delete(written);
      if (!set.size && this.pending.get(executionId) === set) this.pending.delete(executionId);
    };
    written.then(settle, settle);
  }

  /**
   * Resolves once every event this execution emitted so far is committed (or failed): its terminal event
   * comes after them. Other executions' events do not hold it (a busy execution beside it would, with
   * drain(), keep every other one from ending).
   */
  async drainExecution(executionId: bigint): Promise<void> {
    for (let set = this.pending.get(executionId); set?.size; set = this.pending.get(executionId))
      await Promise.allSettled([...set]);
  }

  async drain(): Promise<void> {
    while (this.queue.length || this.flushing || this.late.size) await new Promise((r) => setTimeout(r, 10));
  }

  private async flush(): Promise<void> {
    this.flushing = true;
    try {
      while (this.queue.length) {
        if (this.holding) {
          await new Promise((r) => setTimeout(r, Math.min(500, this.holdUntil - Date.now())));
          continue;
        }
        const batch = this.queue.splice(0, 200);
        const t0 = performance.now();
        const values: unknown[] = [];
        const tuples: string[] = [];
        for (const q of batch) {
          const r = q.row;
          const vals: unknown[] = [
            q.eventId.toString(),
            r.execution_id.toString(),
            r.catalog_id.toString(),
            r.parent_event_id?.toString() ?? null,
            q.prevEventId?.toString() ?? null,
            r.parent_execution_id?.toString() ?? null,
            r.event_type,
            r.node_id ?? null,
            r.node_name ?? null,
            r.node_type ?? null,
            r.status ?? null,
            r.duration ?? null,
            json(r.context),
            json(r.result),
            json(r.meta),
            r.error ?? null,
            r.current_index ?? null,
            r.current_item ?? null,
            r.worker_id ?? null,
            q.createdAt.toISOString().replace('Z', ''),
          ];
          tuples.push(`(${vals.map((_, i) => `$${values.length + i + 1}`).join(',')})`);
          values.push(...vals);
        }
        try {
          await this.pool.query(`INSERT INTO noetl.event (${COLUMNS.join(',')}) VALUES ${tuples.join(',')}`, values);
          STAGES.add('event writes', performance.now() - t0);
          this.written += batch.length;
          for (const q of batch) q.done();
        } catch (err) {
          this.failures++;
          const e = err as Error;
          this.onError(`event write failed (${batch.length} rows): ${e.message}`);
          if (this.failures < 5 && !/violates check constraint/.test(e.message)) {
            this.queue.unshift(...batch); // transient: retry in order
            await new Promise((r) => setTimeout(r, 200));
          } else {
            for (const q of batch) q.fail(e);
          }
        }
      }
    } finally {
      this.flushing = false;
    }
  }
}

function json(v: unknown): string | null {
  return v === undefined || v === null
    ? null
    : JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? x.toString() : x));
}
