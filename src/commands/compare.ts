// `noetl-loadrun compare <dir> <dir>...` and `noetl-loadrun history [dir]`: recorded runs read back (their
// summary.json, and events.ndjson for the charts); nothing is launched or sent.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { compareHtml } from '../compare/html.js';
import {
  compareGrowth,
  compareMarkdown,
  compareTable,
  notComparable,
  parseRegressions,
  regressions,
} from '../compare/compare.js';
import { historyLines, historyRecords } from '../compare/history.js';
import { loadDigest, loadSeries, runFolders } from '../compare/load.js';
import { EXIT, usageError } from '../errors.js';
import { openInBrowser } from '../open-file.js';
import { defaultReportDir } from '../render/reports.js';
import { redact } from '../redact.js';

export interface CompareOpts {
  out?: string;
  open?: boolean;
  failOnRegression?: string;
}

export async function compareCommand(dirs: string[], o: CompareOpts): Promise<number> {
  const asked = o.failOnRegression !== undefined ? parseRegressions(o.failOnRegression) : undefined;
  const folders = dirs.flatMap(runFolders);
  if (folders.length < 2)
    throw usageError(`compare needs two or more runs, got ${folders.length}`, 'give report folders, or a sweep folder');
  const runs = folders.map(loadDigest);
  const out = path.resolve(o.out ?? defaultReportDir().replace(/([^/]+)$/, 'compare_$1'));
  mkdirSync(out, { recursive: true });
  writeFileSync(path.join(out, 'compare.md'), redact(compareMarkdown(runs)));
  writeFileSync(path.join(out, 'compare.html'), redact(compareHtml(runs, folders.map(loadSeries))));
  // Runs of another setting are shown, but said to be so before any change is read off them.
  const lines = [...notComparable(runs), ...compareGrowth(runs), ...compareTable(runs)];
  const worse = asked ? regressions(runs, asked) : [];
  lines.push(`compare.md and compare.html in ${out}`);
  if (asked)
    lines.push(
      worse.length
        ? `Regression (${runs.at(-1)!.label} against ${runs[0].label}): ${worse.join('; ')}`
        : 'No regression',
    );
  if (o.open) lines.push(openInBrowser(path.join(out, 'compare.html')));
  process.stdout.write(redact(lines.join('\n')) + '\n');
  return worse.length ? EXIT.BREACHED : EXIT.OK;
}

export async function historyCommand(dir: string | undefined, o: { json?: boolean }): Promise<number> {
  const root = dir ?? 'loadrun-reports';
  const records = historyRecords(root);
  if (o.json) process.stdout.write(records.map((r) => JSON.stringify(r)).join('\n') + (records.length ? '\n' : ''));
  else process.stdout.write(redact(historyLines(records, root).join('\n')) + '\n');
  return EXIT.OK;
}
