// Playbook variants for a sweep cell: the parent's chunk-worker loop and the worker's item loop get the
// cell's max_in_flight, and both are registered under loadrun/sweep/<hash>/ so the originals (files and
// catalog entries) are never touched. Edited as a YAML document, so comments and layout survive.
import { createHash } from 'node:crypto';
import YAML, { isMap, isSeq, type Document, type YAMLMap } from 'yaml';
import type { PlaybookPair, PlaybookText } from '../playbooks.js';
import { usageError } from '../errors.js';
import type { LoopWidths } from './grid.js';

export interface Variant extends PlaybookPair {
  hash: string;
}

function steps(doc: Document): YAMLMap[] {
  const wf = doc.get('workflow');
  return isSeq(wf) ? wf.items.filter((s): s is YAMLMap => isMap(s)) : [];
}

function toolKind(step: YAMLMap): string {
  const tool = step.get('tool');
  return isMap(tool) ? String(tool.get('kind') ?? '') : '';
}

/** Sets loop.spec.max_in_flight on the chosen loop steps; returns their names. */
function setWidth(doc: Document, pick: (s: YAMLMap) => boolean, width: number): string[] {
  const named: string[] = [];
  for (const s of steps(doc)) {
    if (!isMap(s.get('loop')) || !pick(s)) continue;
    s.setIn(['loop', 'spec', 'max_in_flight'], width);
    named.push(String(s.get('step')));
  }
  return named;
}

function retarget(doc: Document, hash: string): string {
  const path = String(doc.getIn(['metadata', 'path']) ?? doc.getIn(['metadata', 'name']));
  const variantPath = `loadrun/sweep/${hash}/${path.split('/').pop()}`;
  doc.setIn(['metadata', 'path'], variantPath);
  return variantPath;
}

/**
 * The variant pair for these loop widths. `chunkParallelism` goes to the parent's loop that calls a
 * playbook, `workerMaxInFlight` to every loop of the worker; a playbook without such a loop is a usage error.
 */
export function variantFor(parent: PlaybookText, worker: PlaybookText, w: LoopWidths): Variant {
  const p = YAML.parseDocument(parent.text);
  const k = YAML.parseDocument(worker.text);
  if (w.chunkParallelism !== null && !setWidth(p, (s) => toolKind(s) === 'playbook', w.chunkParallelism).length) {
    throw usageError(
      `--chunk-parallelism: the parent playbook ${parent.path} has no loop step calling a playbook`,
      'sweep it on a parent that dispatches chunk workers',
    );
  }
  if (w.workerMaxInFlight !== null && !setWidth(k, () => true, w.workerMaxInFlight).length) {
    throw usageError(
      `--worker-max-in-flight: the worker playbook ${worker.path} has no loop step`,
      'sweep it on a worker with a parallel loop',
    );
  }
  const hash = createHash('sha256').update(p.toString()).update(k.toString()).digest('hex').slice(0, 10);
  const workerPath = retarget(k, hash);
  const parentPath = retarget(p, hash);
  return { hash, parent: { text: p.toString(), path: parentPath }, worker: { text: k.toString(), path: workerPath } };
}
