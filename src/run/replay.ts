// A run rebuilt from its events.ndjson (report <dir>): a store started from the `run` header record
// (or, for a report made before it existed, from summary.json's parameters), then every record applied
// through the same writes the live run made, on a clock that reads each record's own time: the rebuilt
// figures (start, durations, rates) are the run's, not the rebuild's.
import { readFileSync } from 'node:fs';
import { isRunRecord, type Mode, type RunParams, type RunRecord } from '../model.js';
import { RunStore } from './store.js';

/** The records of an events.ndjson; a line cut short by a hard stop, or of a kind unknown here, is left out. */
export function readRecords(file: string): RunRecord[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .flatMap((l) => {
      try {
        const parsed: unknown = JSON.parse(l);
        return isRunRecord(parsed) ? [parsed] : [];
      } catch {
        return [];
      }
    });
}

export function storeFor(
  records: RunRecord[],
  fallback?: {
    parameters?: RunParams & { preset: string | null };
    modes?: Array<{ mode: Mode; expected_rows: number }>;
  },
  clock?: () => number,
): RunStore {
  const head = records.find((r): r is Extract<RunRecord, { kind: 'run' }> => r.kind === 'run');
  const params = head?.params ?? fallback?.parameters;
  const modes = head?.modes ?? fallback?.modes?.map((m) => ({ mode: m.mode, expected: m.expected_rows }));
  if (!params || !modes)
    throw new Error('events.ndjson has no run header and there is no summary.json to take the parameters from');
  return new RunStore(params, modes, clock);
}

/** A record's data without the record's own ts and kind. */
function body<T extends { ts: string; kind: string }>(r: T): Omit<T, 'ts' | 'kind'> {
  const { ts: _ts, kind: _kind, ...rest } = r;
  return rest;
}

/** An event record as the feed delivered it. */
function eventOf(r: Extract<RunRecord, { kind: 'event' }>) {
  const { event_id: eventId, execution_id: executionId, event_type: type } = r;
  return {
    eventId,
    executionId,
    type,
    node: r.node_name ?? null,
    status: r.status ?? null,
    createdAt: r.created_at ?? null,
  };
}

/** A stall, an episode's cause or end, an end while work still ran: the marks a mode gets during a run. */
function applyMark(store: RunStore, r: RunRecord): void {
  switch (r.kind) {
    case 'stall': {
      // In the order the live run builds them (observe.ts stallFacts), so the rebuilt summary is the same text.
      const { mode, stall_kind, since, idleSeconds, ...facts } = body(r);
      return store.markStalled(mode, { since, idleSeconds, kind: stall_kind, ...facts });
    }
    case 'parent_ended_early':
      return store.markParentEndedEarly(r.mode, r.open_children);
    case 'ended_running':
      return store.markEndedWhileRunning(r.mode, r.state, r.open_commands, r.diff_waited);
    case 'rows_settled':
      return store.settleAfterEnd(r.mode, r.rows_after);
    case 'stall_cause':
      return store.noteStallCause(r.mode, r.cause);
    case 'stall_end':
      return store.endStall(r.mode, r.ended_by, r.cause);
  }
}

export function applyRecord(store: RunStore, r: RunRecord): void {
  switch (r.kind) {
    case 'target': {
      const { target_kind, ...target } = body(r);
      return store.setTarget({ ...target, kind: target_kind });
    }
    case 'phase':
      return store.setPhase(r.phase, r.state, r.detail ?? '');
    case 'check':
      return store.addCheck(body(r));
    case 'launch':
      return store.markLaunched(r.mode, r.execution_id, r.adopted ?? false);
    case 'child':
      return store.addChild(r.mode, r.execution_id, r.batch_number ?? null);
    case 'status':
      return store.recordStatus(r.mode, {
        executionId: r.execution_id,
        state: r.state,
        currentStep: r.current_step ?? null,
        progress: null,
        inferred: false,
        raw: null,
      });
    case 'event':
      return store.recordEvents(r.mode, [eventOf(r)]);
    case 'rows': {
      const { mode, execution_id: _e, rows_per_second: _r, ...stats } = body(r);
      return store.recordRows(mode, stats);
    }
    case 'pod':
      return store.recordPod(body(r));
    case 'profile':
      return store.setProfile(body(r));
    case 'log':
      return r.source === 'preflight' ? undefined : store.log(r.source, r.level, r.text); // checks log their own line
    case 'stall':
    case 'parent_ended_early':
    case 'ended_running':
    case 'rows_settled':
    case 'stall_cause':
    case 'stall_end':
      return applyMark(store, r);
    case 'child_status':
      return store.recordChildStatus(r.mode, r.execution_id, r.state, r.inferred);
    case 'diagnosis':
      return store.setDiagnosis(r.mode, { state: r.state, causes: r.causes, facts: r.facts });
    case 'verdict':
      return store.setVerdict(r.mode, r.verdict, r.error ?? undefined);
    case 'diff':
      return store.setDiff(r.mode, body(r));
    case 'cross_mode':
      return store.setCross(body(r));
    case 'summarize':
      return store.setSummarize(r.mode, r.value);
  }
}

/** The store, the outcome and the records of a recorded run. */
export function replay(records: RunRecord[], fallback?: Parameters<typeof storeFor>[1]) {
  const head = records.find((r): r is Extract<RunRecord, { kind: 'run' }> => r.kind === 'run');
  let now = head?.started_at ?? (records.length ? Date.parse(records[0].ts) : Date.now());
  const store = storeFor(records, fallback, () => now);
  for (const r of records) {
    now = Date.parse(r.ts);
    applyRecord(store, r);
  }
  store.finish();
  const out = [...records].reverse().find((r): r is Extract<RunRecord, { kind: 'outcome' }> => r.kind === 'outcome');
  return {
    store,
    outcome: out ? { exitCode: out.exit_code, reason: out.reason } : undefined,
    /** The run's end: its outcome's time, else its last record's. */
    endedAt: out ? Date.parse(out.ts) : now,
  };
}
