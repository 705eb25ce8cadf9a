// The playbook pair a run registers, a user's playbook file read and checked, and what a workload says
// an execution was launched with.
import { readFileSync } from 'node:fs';
import YAML from 'yaml';
import { usageError } from './errors.js';
import type { Mode, RunParams } from './model.js';
import { BUNDLED, bundledFile } from './paths.js';

/** A playbook file given by the user: read and checked locally before anything is sent. */
export function readPlaybookFile(file: string, flag: string): { text: string; path: string } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw usageError(`${flag} ${file} cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  let doc: unknown;
  try {
    doc = YAML.parse(text);
  } catch (err) {
    throw usageError(`${flag} ${file} is not valid YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  const obj = doc && typeof doc === 'object' && !Array.isArray(doc) ? (doc as Record<string, unknown>) : undefined;
  const kind = obj ? String(obj.kind ?? '') : Array.isArray(doc) ? 'a list' : typeof doc;
  const meta = obj?.metadata as Record<string, unknown> | undefined;
  const catalogPath = meta?.path ?? meta?.name;
  if (!obj || kind.toLowerCase() !== 'playbook' || typeof catalogPath !== 'string' || !Array.isArray(obj.workflow)) {
    throw usageError(
      `${flag} ${file} is not a NoETL playbook (kind ${kind || 'missing'})`,
      'expected kind: Playbook with metadata.path and a workflow',
    );
  }
  return { text, path: catalogPath };
}

/** A playbook's YAML and the catalog path it registers under (metadata.path). */
export interface PlaybookText {
  text: string;
  path: string;
}

export interface PlaybookPair {
  parent: PlaybookText;
  worker: PlaybookText;
}

/** The pair a run registers: --playbook-file / --worker-file where given, else the bundled ones. */
export function playbookTexts(c: { playbookFile?: string; workerFile?: string }): PlaybookPair {
  const bundled = (file: string, path: string) => ({ text: readFileSync(bundledFile(file), 'utf8'), path });
  return {
    parent: c.playbookFile
      ? readPlaybookFile(c.playbookFile, '--playbook-file')
      : bundled(BUNDLED.parentFile, BUNDLED.parentPath),
    worker: c.workerFile
      ? readPlaybookFile(c.workerFile, '--worker-file')
      : bundled(BUNDLED.workerFile, BUNDLED.workerPath),
  };
}

/** The mode and parameters an execution was launched with, from its workload (the fixture's defaults). */
export function launchedWith(w: Record<string, unknown>): { mode: Mode; params: RunParams } {
  const mode: Mode =
    String(w.execution_mode ?? '').toLowerCase() === 'direct_stress' ? 'direct_stress' : 'chunked_optimal';
  return {
    mode,
    params: {
      seedRows: Number(w.seed_rows ?? 240),
      payloadKb: Number(w.payload_kb_per_item ?? 256),
      batchSize: Number(w.batch_size ?? 40),
      maxBatches: Number(w.max_batches ?? 6),
    },
  };
}
