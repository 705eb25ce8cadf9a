// `noetl-loadrun replay <dir> [--speed N]`: a recorded run played back on the live screen (pause, seek,
// speed, jump to the stall), or with --no-tui (or without a terminal) the summary and the diff the
// original printed, from its events.ndjson.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { EXIT, usageError } from '../errors.js';
import { redact } from '../redact.js';
import { finalText } from '../render/text.js';
import { verdictOf } from '../run/finalize.js';
import { positiveNumber } from '../config.js';
import { Player } from '../run/player.js';
import { readRecords, replay } from '../run/replay.js';
import { applyColor } from './color.js';
import { loadTui, wantsTui } from './tui.js';

export async function replayCommand(
  dir: string,
  o: { tui?: boolean; speed?: string; color?: boolean },
): Promise<number> {
  const events = path.join(dir, 'events.ndjson');
  if (!existsSync(events))
    throw usageError(`${dir} has no events.ndjson`, 'give the folder of a run (its --report-dir)');
  const speed = positiveNumber(o.speed ?? '1', '--speed', { min: 0.25, max: 64 });
  const records = readRecords(events);
  const summary = path.join(dir, 'summary.json');
  const fallback = existsSync(summary) ? JSON.parse(readFileSync(summary, 'utf8')) : undefined;
  if (wantsTui(o)) {
    const final = replay(records, fallback);
    applyColor(o.color);
    const { runReplayTui } = await loadTui();
    const recorded = final.store.snapshot(final.endedAt);
    await runReplayTui(new Player(records, speed, fallback), final.outcome ?? verdictOf(final.store), recorded);
    return EXIT.OK;
  }
  const { store, outcome, endedAt } = replay(records, fallback);
  store.setReportDir(path.resolve(dir));
  const result = outcome ?? verdictOf(store);
  process.stdout.write(redact(finalText(store.snapshot(endedAt), result)) + '\n');
  return EXIT.OK;
}
