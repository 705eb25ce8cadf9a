// `noetl-loadrun replay <dir> --no-tui`: a recorded run played back headless: the summary and the diff
// the original printed, from its events.ndjson. (The TUI playback with seek and speed is not built yet.)
import { existsSync } from 'node:fs';
import path from 'node:path';
import { EXIT, usageError } from '../errors.js';
import { redact } from '../redact.js';
import { finalText } from '../render/text.js';
import { verdictOf } from '../run/finalize.js';
import { readRecords, replay } from '../run/replay.js';

export async function replayCommand(dir: string, o: { tui?: boolean }): Promise<number> {
  const events = path.join(dir, 'events.ndjson');
  if (!existsSync(events)) throw usageError(`${dir} has no events.ndjson`, 'give the folder of a run (its --report-dir)');
  if (o.tui !== false && process.stdout.isTTY) throw usageError('replay in the TUI is not built yet', 'use replay --no-tui for the summary and the diff');
  const { store, outcome } = replay(readRecords(events));
  store.setReportDir(path.resolve(dir));
  const result = outcome ?? verdictOf(store);
  process.stdout.write(redact(finalText(store.snapshot(), result)) + '\n');
  return EXIT.OK;
}
