// `noetl-loadrun report <dir>`: summary.json, report.md and report.html rebuilt from the run's
// events.ndjson (an interrupted run, or a report made by an older version).
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { EXIT, usageError } from '../errors.js';
import { ReportWriter } from '../render/reports.js';
import { verdictOf } from '../run/finalize.js';
import { readRecords, replay } from '../run/replay.js';

export async function reportCommand(dir: string): Promise<number> {
  const events = path.join(dir, 'events.ndjson');
  if (!existsSync(events))
    throw usageError(`${dir} has no events.ndjson`, 'give the folder of a run (its --report-dir)');
  const summaryFile = path.join(dir, 'summary.json');
  const old = existsSync(summaryFile)
    ? (JSON.parse(readFileSync(summaryFile, 'utf8')) as Record<string, unknown>)
    : undefined;
  const records = readRecords(events);
  const { store, outcome, endedAt } = replay(records, old as never);
  const result = outcome ?? (old ? { exitCode: Number(old.exit_code), reason: String(old.outcome) } : verdictOf(store));
  const writer = new ReportWriter(dir);
  // What the records do not hold (the observer's own cost) is kept from the summary being replaced.
  writer.rebuild(store.snapshot(endedAt), result, records, {
    ...(old?.observer ? { observer: old.observer } : {}),
    rebuilt_at: new Date().toISOString(),
  });
  process.stdout.write(
    `rebuilt summary.json, report.md and report.html in ${path.resolve(dir)} from ${records.length} records\n`,
  );
  return EXIT.OK;
}
