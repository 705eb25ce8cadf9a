// Deleting a run's rows from the fixture's tables: the counts first, then a confirmation (a terminal
// prompt, or --yes; without either it refuses), then one DELETE statement over a direct connection.
import { createInterface } from 'node:readline/promises';
import { EXIT, usageError } from '../errors.js';
import type { RowsSource } from '../sources/rows.js';

async function confirmed(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    return /^y(es)?$/i.test((await rl.question(question)).trim());
  } finally {
    rl.close();
  }
}

/** Deletes the rows of `ids` once confirmed; the line printed says what was (or would be) deleted. */
export async function cleanupRows(
  rows: RowsSource,
  ids: string[],
  yes: boolean,
  say: (s: string) => void,
): Promise<number> {
  const before = await rows.cleanupRows(ids, false);
  const what = `${before.results} rows of public.heavy_payload_results and ${before.source} of public.heavy_payload_source for ${ids.join(', ')} in ${rows.data.where}`;
  if (!before.results && !before.source) {
    say(`nothing to delete: 0 rows for ${ids.join(', ')} in ${rows.data.where}`);
    return EXIT.OK;
  }
  if (!yes) {
    if (!process.stdin.isTTY || !process.stdout.isTTY)
      throw usageError(`refusing to delete ${what} without confirmation`, 'pass --yes');
    if (!(await confirmed(`delete ${what}? [y/N] `))) {
      say('nothing deleted');
      return EXIT.OK;
    }
  }
  const done = await rows.cleanupRows(ids, true);
  say(
    `deleted ${done.results} rows of public.heavy_payload_results and ${done.source} of public.heavy_payload_source in ${rows.data.where}`,
  );
  return EXIT.OK;
}
