// The playbook pair in the form the engine in front of the tool reads. The bundled pair is written in the
// current DSL (a tool's `input:`, a policy rule's `output.…`); legacy releases before the rename read
// `args:` and `outcome.…` (RELEASE_FORMS in local-noetl/releases.ts says from which release). Also the
// chunk loop's playbook-tool `timeout:` (--child-timeout), so a demo of a child/parent wait can be short.
import { isMap, isScalar, isSeq, parseDocument, type Node, type YAMLMap } from 'yaml';
import { releaseForm, type PlaybookForm } from '../local-noetl/releases.js';
import type { PlaybookText } from '../playbooks.js';

export interface FormOptions {
  /** The engine's release (x.y.z), when known: the DSL form follows it. Unknown: the current form. */
  release?: string;
  /** The playbook tool's timeout in seconds, where a step has one (the fixture's run_batch_workers). */
  childTimeoutSeconds?: number;
}

/** What was changed, for the run's log. */
export interface FormResult {
  text: string;
  changes: string[];
}

function* maps(node: unknown): Generator<YAMLMap> {
  if (isMap(node)) {
    yield node;
    for (const p of node.items) yield* maps(p.value);
  } else if (isSeq(node)) for (const item of node.items) yield* maps(item);
}

const keyOf = (p: { key: unknown }) => (isScalar(p.key) ? String(p.key.value) : '');

/** A tool configuration: a map with a scalar `kind` (a step's tool, or one task of a task sequence). */
const isTool = (m: YAMLMap) => {
  const kind = m.get('kind', true) as Node | undefined;
  return isScalar(kind) && typeof kind.value === 'string' && !m.has('apiVersion');
};

/** Renames `input:` to `args:` in every tool configuration. */
function argsForInput(root: Node, changes: string[]): void {
  let n = 0;
  for (const m of maps(root)) {
    if (!isTool(m)) continue;
    for (const p of m.items) {
      if (keyOf(p) === 'input' && isScalar(p.key)) {
        p.key.value = 'args';
        n++;
      }
    }
  }
  if (n) changes.push(`${n} tool input: written as args:`);
}

/** `output.` in a policy rule's `when` read as `outcome.` (the rules' subject before the rename). */
function outcomeForOutput(root: Node, changes: string[]): void {
  let n = 0;
  for (const m of maps(root)) {
    const when = m.get('when', true) as Node | undefined;
    if (!isScalar(when) || typeof when.value !== 'string' || !m.has('then')) continue;
    const next = when.value.replace(/\boutput\./g, 'outcome.');
    if (next !== when.value) {
      when.value = next;
      n++;
    }
  }
  if (n) changes.push(`${n} policy rule(s) on output. read as outcome.`);
}

/** The playbook tool's `timeout:` set to `seconds` wherever a tool has kind: playbook. */
function childTimeout(root: Node, seconds: number, changes: string[]): void {
  let n = 0;
  for (const m of maps(root)) {
    if (!isTool(m) || (m.get('kind') as unknown) !== 'playbook') continue;
    m.set('timeout', seconds);
    n++;
  }
  if (n) changes.push(`playbook tool timeout: ${seconds}s`);
}

export function playbookForEngine(pb: PlaybookText, o: FormOptions): PlaybookText & FormResult {
  const form: PlaybookForm = releaseForm(o.release);
  if (form === 'input' && o.childTimeoutSeconds === undefined) return { ...pb, changes: [] };
  const doc = parseDocument(pb.text);
  const root = doc.contents as Node;
  const changes: string[] = [];
  if (form === 'args') {
    argsForInput(root, changes);
    outcomeForOutput(root, changes);
  }
  if (o.childTimeoutSeconds !== undefined) childTimeout(root, o.childTimeoutSeconds, changes);
  return { ...pb, text: changes.length ? doc.toString({ lineWidth: 0 }) : pb.text, changes };
}
