// The store's records as they leave for the sinks (events.ndjson, the report's series, --json): one
// object per record with its time and kind.
import type { Mode, NoetlEvent, RecordSink } from '../model.js';

export class Recorder {
  private readonly sinks: RecordSink[] = [];

  add(sink: RecordSink): void {
    this.sinks.push(sink);
  }

  record(kind: string, data: Record<string, unknown>, at = Date.now()): void {
    if (!this.sinks.length) return;
    // The record's kind wins; a `kind` of the data itself (a target's, a stall's) is kept as `<kind>_kind`.
    const { kind: inner, ...rest } = data;
    const rec = {
      ts: new Date(at).toISOString(),
      kind,
      ...(inner === undefined ? {} : { [`${kind}_kind`]: inner }),
      ...rest,
    };
    for (const s of this.sinks) s(rec, at);
  }

  /** Events are the hottest record: one literal each, one time stamp for a batch. */
  eventBatch(mode: Mode, now: number): (e: NoetlEvent, batch: number | null) => void {
    const ts = new Date(now).toISOString();
    return (e, batch) => {
      const rec = {
        ts,
        kind: 'event',
        mode,
        event_id: e.eventId,
        execution_id: e.executionId,
        event_type: e.type,
        node_name: e.node,
        status: e.status,
        created_at: e.createdAt,
        batch_number: batch,
      };
      for (const sink of this.sinks) sink(rec, now);
    };
  }
}
