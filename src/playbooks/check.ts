// Constructs a playbook uses that the target engine ignores or lacks, with the line and the form that
// works. The Rust stack's semantics are read from noetl/tools src/tools/http.rs and postgres.rs,
// src/tools/task_sequence.rs, noetl/worker src/executor/command.rs and the orchestrator (noetl-contract §6.6);
// the legacy Python engine's from what noetl 4.26.0 does with them (test/real-engine, README "The real
// engine on this machine"): a missing attribute raises, a nested result is no JSON to tojson, and its
// server cannot resolve a result kept by reference while rendering a loop's `in`.
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node } from 'yaml';
import { ENGINE_DIALECTS } from '../engine-dialects.js';
import type { Dialect } from '../model.js';
import { compareVersions, INPUT_FORM_FROM, parseVersion, releaseForm } from '../local-noetl/releases.js';

/** The legacy release that returns a postgres result's last statement only (noetl/noetl b2fd0519). */
const LAST_STATEMENT_FROM = '2.12.4';

export interface Finding {
  line: number;
  id: string;
  message: string;
  fix: string;
}

interface Visit {
  node: Node;
  path: string[];
}

function* walk(node: unknown, path: string[] = []): Generator<Visit> {
  const children: Array<[string, unknown]> = isMap(node)
    ? node.items.map((pair) => [isScalar(pair.key) ? String(pair.key.value) : '?', pair.value])
    : isSeq(node)
      ? node.items.map((item, i) => [String(i), item])
      : [];
  for (const [key, child] of children) {
    if (!child) continue;
    yield { node: child as Node, path: [...path, key] };
    yield* walk(child, [...path, key]);
  }
}

const lineOf = (lc: LineCounter, n: Node) => lc.linePos(n.range?.[0] ?? 0).line;

/** Names of loop steps (their results are lists on Rust, `{results, stats}` on Python). */
function loopSteps(doc: ReturnType<typeof parseDocument>): string[] {
  const wf = doc.get('workflow');
  if (!isSeq(wf)) return [];
  return wf.items
    .filter((s) => isMap(s) && s.has('loop'))
    .map((s) => String((s as never as { get(k: string): unknown }).get('step')));
}

function templateFindings(text: string, line: number, loops: string[]): Finding[] {
  const out: Finding[] = [];
  // `(x.command_0 or x).rows` reads either shape: the portable form is not a finding.
  if (/\.command_\d+\b/.test(text.replace(/\(\s*([\w.]+)\.command_\d+\s+or\s+\1\s*\)/g, '')))
    out.push({
      line,
      id: 'postgres-command-n',
      message:
        'reads command_N of a postgres result: the Rust postgres tool returns the last statement only, as {columns, rows, row_count}',
      fix: 'read <step>.rows (one statement per step)',
    });
  if (/\bjob\.\w+/.test(text))
    out.push({
      line,
      id: 'job-namespace',
      message: 'uses the job namespace: there is none on Rust (it renders empty)',
      fix: 'use execution_id',
    });
  for (const l of loops) {
    if (new RegExp(`\\b${l}\\.(results|stats)\\b`).test(text))
      out.push({
        line,
        id: 'loop-dict-result',
        message: `reads ${l}.results/.stats: a Rust loop's result is the list of iteration results`,
        fix: `iterate ${l} itself (a list); count with | length`,
      });
  }
  if (/output\.http\.status/.test(text))
    out.push({
      line,
      id: 'retry-http-status',
      message:
        'a retry rule on output.http.status: Rust task-sequence policies see the tool envelope, so it never matches',
      fix: 'test the tool result status (result.status / status_code)',
    });
  return out;
}

/** The keys of the http tool config at `path` (the map holding `kind: http`). */
function httpKeys(doc: ReturnType<typeof parseDocument>, path: unknown[]): Map<string, Node> {
  const parent = doc.getIn(path.slice(0, -1));
  return new Map(
    isMap(parent)
      ? parent.items
          .filter((p) => isScalar(p.key))
          .map((p) => [String((p.key as { value: unknown }).value), p.key as Node])
      : [],
  );
}

/** The http body fields the engine ignores (engine-dialects.ts unsentHttpFields, with their sources). */
function httpFindings(keys: Map<string, Node>, engine: Dialect, lc: LineCounter): Finding[] {
  const u = ENGINE_DIALECTS[engine].unsentHttpFields;
  const field = u.fields.find((k) => keys.has(k));
  if (!field || u.sentWith.some((k) => keys.has(k))) return [];
  return [
    {
      line: lineOf(lc, keys.get(field)!),
      id: u.id,
      message: `an http tool with ${field}: ${u.engineReads}, so no body is sent`,
      fix: 'send the body as body: (an object goes as JSON on both engines)',
    },
  ];
}

/** Templates noetl 4.26.0 fails to render (seen on the real engine; its TaskResultProxy in noetl/core/dsl/render.py). */
function pythonTemplateFindings(
  text: string,
  line: number,
  where: { inLoop: boolean; sql: boolean; release?: string },
): Finding[] {
  const out: Finding[] = [];
  const v = where.release ? parseVersion(where.release) : undefined;
  const nested = v !== undefined && compareVersions(v, parseVersion(LAST_STATEMENT_FROM)!) < 0;
  if (/\.command_\d+\b/.test(text) && !nested)
    out.push({
      line,
      id: 'postgres-command-n',
      message:
        'reads command_N of a postgres result: the Python engine returns the last statement only (since b2fd0519, 2.12.4), and a missing attribute raises instead of rendering empty',
      fix: 'read <step>.rows (one statement per step)',
    });
  if (where.sql && /\b\w+\.\w+(\.\w+)*\s*\|\s*tojson\b/.test(text))
    out.push({
      line,
      id: 'tojson-step-result',
      message:
        "tojson of a step result's field in SQL: on noetl 4.26.0 a nested result there is not JSON serializable (TaskResultProxy), so the command fails",
      fix: 'build the JSON text in a python step (json.dumps) and use that string',
    });
  if (where.inLoop && /\b\w+\.rows\b/.test(text))
    out.push({
      line,
      id: 'loop-in-rows',
      message:
        "a loop over a postgres result's rows: the Python engine keeps 16 rows or more by reference, and its server cannot resolve it while rendering a loop's in (the loop fails with batch.failed)",
      fix: 'read the rows in a python step (its input resolves the reference on the worker) and loop over its result',
    });
  return out;
}

/** A legacy release before INPUT_FORM_FROM: a tool's input: and a policy rule's output. are not read there. */
function releaseFormFindings(v: Visit, key: string, lc: LineCounter, release: string): Finding[] {
  if (releaseForm(release) !== 'args') return [];
  const parentIsTool = v.path.length >= 1 && key === 'input';
  if (parentIsTool && isMap(v.node))
    return [
      {
        line: lineOf(lc, v.node) - 1,
        id: 'release-input-form',
        message: `a tool's input: — noetl ${release} reads args: (input: from ${INPUT_FORM_FROM}, noetl/noetl 25da2a3c), so the tool gets none of it`,
        fix: 'write args: (noetl-loadrun registers its bundled pair that way for this release)',
      },
    ];
  if (
    key === 'when' &&
    isScalar(v.node) &&
    typeof v.node.value === 'string' &&
    /\boutput\./.test(v.node.value) &&
    v.path.includes('rules')
  )
    return [
      {
        line: lineOf(lc, v.node),
        id: 'release-outcome-form',
        message: `a policy rule on output. — noetl ${release} names the result outcome (output from ${INPUT_FORM_FROM})`,
        fix: 'write outcome.status',
      },
    ];
  return [];
}

/** Whether a release is the one the dropped-key findings were seen on (4.26.0) or later: unset means it. */
const releaseOf = (release?: string): 'current' | 'older' =>
  !release || compareVersions(parseVersion(release)!, parseVersion('4.26.0')!) >= 0 ? 'current' : 'older';

export function checkPlaybook(yamlText: string, engine: Dialect, release?: string): Finding[] {
  const lc = new LineCounter();
  const doc = parseDocument(yamlText, { lineCounter: lc });
  const loops = loopSteps(doc);
  const out: Finding[] = [];
  for (const v of walk(doc.contents)) {
    const key = v.path[v.path.length - 1];
    if (ENGINE_DIALECTS[engine].releaseForms && release) out.push(...releaseFormFindings(v, key, lc, release));
    if (key === 'kind' && isScalar(v.node) && v.node.value === 'http')
      out.push(...httpFindings(httpKeys(doc, v.path), engine, lc));
    const dropped = ENGINE_DIALECTS[engine].droppedStepKeys[key];
    if (dropped && v.path.length === 3 && v.path[0] === 'workflow' && releaseOf(release) === 'current')
      out.push({
        line: lineOf(lc, v.node) - (isScalar(v.node) ? 0 : 1),
        id: 'step-key-dropped',
        message: `a step's ${key}: noetl 4.26.0's step model has no ${key} and drops it${key === 'when' ? ', so the step runs whatever it says' : ''}`,
        fix: dropped,
      });
    if ((key === 'mode' || key === 'max_in_flight') && v.path[v.path.length - 2] === 'loop')
      out.push({
        line: lineOf(lc, v.node),
        id: 'loop-key-place',
        message: `loop.${key} beside 'in': the engines read it from loop.spec.${key} only (the sandbox refuses the key)`,
        fix: `move it under loop.spec (loop: {in, iterator, spec: {${key}: …}})`,
      });
    if (isScalar(v.node) && typeof v.node.value === 'string') {
      const inLoop = v.path.length >= 2 && v.path[v.path.length - 2] === 'loop' && key === 'in';
      if (ENGINE_DIALECTS[engine].templates === 'minijinja')
        out.push(...templateFindings(v.node.value, lineOf(lc, v.node), loops));
      else
        out.push(
          ...pythonTemplateFindings(v.node.value, lineOf(lc, v.node), {
            inLoop,
            sql: key === 'query' || key === 'command',
            release,
          }),
        );
    }
  }
  return out.sort((a, b) => a.line - b.line);
}

export function findingLine(file: string, f: Finding): string {
  return `${file}:${f.line}: ${f.id}: ${f.message} — ${f.fix}`;
}
