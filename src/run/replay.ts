// A run rebuilt from its events.ndjson (report <dir>): a store started from the `run` header record
// (or, for a report made before it existed, from summary.json's parameters), then every record applied
// through the same writes the live run made. What the records cannot give back (wall-clock durations) is
// the replay's own.
import { readFileSync } from 'node:fs';
import type { Mode, ModeDiff, PodSample, RunParams } from '../model.js';
import { RunStore } from './store.js';

export type Rec = Record<string, unknown>;

export function readRecords(file: string): Rec[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .flatMap((l) => {
      try {
        return [JSON.parse(l) as Rec];
      } catch {
        return []; // a line cut short by a hard stop
      }
    });
}

export function storeFor(
  records: Rec[],
  fallback?: {
    parameters?: RunParams & { preset: string | null };
    modes?: Array<{ mode: Mode; expected_rows: number }>;
  },
): RunStore {
  const head = records.find((r) => r.kind === 'run');
  const params = (head?.params ?? fallback?.parameters) as (RunParams & { preset: string | null }) | undefined;
  const modes =
    (head?.modes as Array<{ mode: Mode; expected: number }> | undefined) ??
    fallback?.modes?.map((m) => ({ mode: m.mode, expected: m.expected_rows }));
  if (!params || !modes)
    throw new Error('events.ndjson has no run header and there is no summary.json to take the parameters from');
  return new RunStore(params, modes);
}

/** A record's data without the record's own fields (and the named ones). */
function data(r: Rec, ...drop: string[]): Rec {
  const out: Rec = {};
  for (const [k, v] of Object.entries(r)) if (k !== 'ts' && k !== 'kind' && !drop.includes(k)) out[k] = v;
  return out;
}

export function applyRecord(store: RunStore, r: Rec): void {
  const mode = r.mode as Mode;
  switch (r.kind) {
    case 'target':
      return store.setTarget({ ...data(r, 'target_kind'), kind: r.target_kind } as never);
    case 'phase':
      return store.setPhase(r.phase as never, r.state as never, String(r.detail ?? ''));
    case 'check':
      return store.addCheck(data(r) as never);
    case 'launch':
      return store.markLaunched(mode, String(r.execution_id));
    case 'child':
      return store.addChild(mode, String(r.execution_id), (r.batch_number as number | null) ?? null);
    case 'status':
      return store.recordStatus(mode, {
        executionId: String(r.execution_id),
        state: r.state as never,
        currentStep: (r.current_step as string | null) ?? null,
        progress: null,
        inferred: false,
        raw: null,
      });
    case 'event':
      return store.recordEvents(mode, [
        {
          eventId: String(r.event_id),
          executionId: String(r.execution_id),
          type: String(r.event_type),
          node: (r.node_name as string | null) ?? null,
          status: (r.status as string | null) ?? null,
          createdAt: (r.created_at as string | null) ?? null,
        },
      ]);
    case 'rows':
      return store.recordRows(mode, data(r, 'mode', 'execution_id', 'rows_per_second') as never);
    case 'pod':
      return store.recordPod(data(r) as unknown as PodSample);
    case 'log':
      return r.source === 'preflight' ? undefined : store.log(String(r.source), r.level as never, String(r.text)); // checks log their own line
    case 'stall':
      return store.markStalled(mode, { ...data(r, 'mode', 'stall_kind'), kind: r.stall_kind } as never);
    case 'diagnosis':
      return store.setDiagnosis(mode, { state: r.state, causes: r.causes, facts: r.facts } as never);
    case 'verdict':
      return store.setVerdict(mode, r.verdict as never, (r.error as string | null) ?? undefined);
    case 'diff':
      return store.setDiff(mode, data(r) as unknown as ModeDiff);
    case 'cross_mode':
      return store.setCross(data(r) as never);
    case 'summarize':
      return store.setSummarize(mode, r.value);
  }
}

/** The store, the outcome and the records of a recorded run. */
export function replay(records: Rec[], fallback?: Parameters<typeof storeFor>[1]) {
  const store = storeFor(records, fallback);
  for (const r of records) applyRecord(store, r);
  store.finish();
  const out = [...records].reverse().find((r) => r.kind === 'outcome');
  return { store, outcome: out ? { exitCode: Number(out.exit_code), reason: String(out.reason) } : undefined };
}
