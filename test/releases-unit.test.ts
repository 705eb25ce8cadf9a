// The parts of "which release fixed it?" that need no engine: the playbook form per release (the bundled
// pair as 2.8.4 reads it), the release boundaries in check-playbook, the release list and range, the
// bisection, the change finder, and stall episodes in the store and the final verdict.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { EXIT } from '../src/errors.js';
import {
  changeLines,
  nextProbe,
  parseReleaseSpec,
  releasesInRange,
  type ReleaseRow,
} from '../src/local-noetl/release-spec.js';
import { checkNoetlVersion, defectsOf, releaseForm } from '../src/local-noetl/releases.js';
import { bundledFile, BUNDLED } from '../src/paths.js';
import { checkPlaybook } from '../src/playbooks/check.js';
import { playbookForEngine } from '../src/playbooks/release-form.js';
import { breachesOf } from '../src/run/finalize.js';
import { RunStore } from '../src/run/store.js';
import { verdictLabel } from '../src/render/lines.js';

const parent = { text: readFileSync(bundledFile(BUNDLED.parentFile), 'utf8'), path: BUNDLED.parentPath };
const worker = { text: readFileSync(bundledFile(BUNDLED.workerFile), 'utf8'), path: BUNDLED.workerPath };

/** Every map of a parsed document with a key `k`. */
function mapsWith(node: unknown, k: string, out: Array<Record<string, unknown>> = []): Array<Record<string, unknown>> {
  if (Array.isArray(node)) for (const x of node) mapsWith(x, k, out);
  else if (node && typeof node === 'object') {
    if (k in node) out.push(node as Record<string, unknown>);
    for (const v of Object.values(node)) mapsWith(v, k, out);
  }
  return out;
}

describe('the bundled pair in the form a release reads', () => {
  it('before 2.14.0 every tool input: is args: and a policy rule reads outcome.; the rest is untouched', () => {
    expect(releaseForm('2.8.4')).toBe('args');
    expect(releaseForm('2.13.9')).toBe('args');
    expect(releaseForm('2.14.0')).toBe('input');
    expect(releaseForm(undefined)).toBe('input');
    for (const pb of [parent, worker]) {
      const before = YAML.parse(pb.text);
      const formed = playbookForEngine(pb, { release: '2.8.4' });
      const after = YAML.parse(formed.text);
      const tools = mapsWith(before, 'kind').filter((m) => 'input' in m);
      expect(tools.length).toBeGreaterThan(3);
      expect(mapsWith(after, 'kind').filter((m) => 'input' in m)).toEqual([]);
      expect(mapsWith(after, 'kind').filter((m) => 'args' in m)).toHaveLength(tools.length);
      const rules = mapsWith(after, 'then').map((m) => String(m.when ?? ''));
      expect(rules.some((w) => w.includes('outcome.status'))).toBe(true);
      expect(rules.some((w) => /\boutput\./.test(w))).toBe(false);
      // The workload, steps and arcs stay as they were.
      expect(after.workload).toEqual(before.workload);
      expect(after.workflow.map((s: { step: string }) => s.step)).toEqual(
        before.workflow.map((s: { step: string }) => s.step),
      );
    }
  });

  it('on 2.14.0 and later the text is registered as it is; --child-timeout sets the playbook tool timeout only', () => {
    expect(playbookForEngine(parent, { release: '4.26.0' }).text).toBe(parent.text);
    const formed = playbookForEngine(parent, { release: '4.26.0', childTimeoutSeconds: 75 });
    const tools = mapsWith(YAML.parse(formed.text), 'kind');
    expect(tools.filter((t) => t.kind === 'playbook').map((t) => t.timeout)).toEqual([75]);
    expect(tools.filter((t) => t.kind !== 'playbook' && 'timeout' in t)).toEqual([]);
    expect(formed.changes).toEqual(['playbook tool timeout: 75s']);
  });

  it('releases before 2.8.0 and from 5.0.0 are refused in one line', () => {
    expect(() => checkNoetlVersion('2.7.9', '--noetl-version')).toThrow(/before 2\.8\.0 cannot parse/);
    expect(() => checkNoetlVersion('5.0.1', '--noetl-version')).toThrow(/Rust CLI/);
    expect(() => checkNoetlVersion('2.8', '--noetl-version')).toThrow(/not a release/);
  });

  it('check-playbook names input:/output. on a release before 2.14.0, and command_N only where it is not nested', () => {
    const ids = (release?: string) => checkPlaybook(worker.text, 'python', release).map((f) => f.id);
    expect(ids('2.8.4')).toContain('release-input-form');
    expect(ids('2.8.4')).toContain('release-outcome-form');
    expect(ids('2.14.0')).not.toContain('release-input-form');
    // 2.8.4 nests a postgres result under command_0 (issue #37); 4.26.0 does not (b2fd0519, 2.12.4).
    const pg = "  - step: a\n    tool: {kind: python, code: 'x = {{ b.command_0.rows }}'}\n";
    const text = `apiVersion: noetl.io/v2\nkind: Playbook\nmetadata: {name: x, path: x}\nworkflow:\n${pg}`;
    expect(checkPlaybook(text, 'python', '2.8.4').map((f) => f.id)).not.toContain('postgres-command-n');
    expect(checkPlaybook(text, 'python', '4.26.0').map((f) => f.id)).toContain('postgres-command-n');
  });

  it('knows which defects a release holds, by the first release with the fix', () => {
    expect(defectsOf('2.8.4').map((d) => d.id)).toEqual(['child-ended-parent-waits']);
    expect(defectsOf('2.8.5').map((d) => d.id)).toEqual([]);
    expect(defectsOf('2.10.36').map((d) => d.id)).toEqual([
      'ghost-in-flight',
      'collection-rerendered-smaller',
      'loop-counter-drift',
    ]);
    expect(defectsOf('2.12.2').map((d) => d.id)).toEqual(['loop-counter-drift']);
    expect(defectsOf('4.26.0')).toEqual([]);
  });
});

const row = (release: string, stalls: number, extra: Partial<ReleaseRow> = {}): ReleaseRow => ({
  release,
  verdict: 'completed',
  stalls,
  stallSeconds: stalls * 75,
  cause: stalls ? 'child-ended-parent-waits' : null,
  rowsPerSecond: 1,
  stored: 120,
  expected: 120,
  missing: 0,
  failures: 0,
  reportDir: `/x/${release}`,
  ...extra,
});

describe('releases: the list, the range, where the behaviour changes', () => {
  it('parses a list (sorted, each checked) and a range', () => {
    expect(parseReleaseSpec('2.8.5,2.8.3, 2.8.4')).toEqual({ kind: 'list', releases: ['2.8.3', '2.8.4', '2.8.5'] });
    expect(parseReleaseSpec('2.8.0..2.9.0')).toEqual({ kind: 'range', from: '2.8.0', to: '2.9.0' });
    expect(() => parseReleaseSpec('2.9.0..2.8.0')).toThrow(/start must be below/);
    expect(() => parseReleaseSpec('2.8.4,banana')).toThrow(/not a release/);
    expect(() => parseReleaseSpec('2.5.0..2.9.0')).toThrow(/before 2\.8\.0/);
  });

  it("takes a range's releases from PyPI's list, in order, without pre-releases", () => {
    const all = ['2.9.0', '2.8.10', '2.8.4', '2.8.5rc1', '2.7.1', '2.8.0', '5.0.0', '2.9.1'];
    expect(releasesInRange(all, '2.8.0', '2.9.0')).toEqual(['2.8.0', '2.8.4', '2.8.10', '2.9.0']);
  });

  it('names the first release without the stall', () => {
    const rows = [row('2.8.3', 3), row('2.8.4', 3), row('2.8.5', 0), row('2.8.6', 0)];
    expect(changeLines(rows, 'stall')).toEqual([
      '2.8.5 is the first release run here without the stall (2.8.4 has it: child-ended-parent-waits)',
    ]);
    expect(changeLines([row('2.8.5', 0), row('2.8.6', 0)], 'stall')[0]).toMatch(/no change/);
    // A release that could not run is left out, not read as "no stall".
    const gap = [row('2.8.4', 3), row('2.8.5', 0, { error: 'pip failed' }), row('2.8.6', 0)];
    expect(changeLines(gap, 'stall')[0]).toMatch(/^2\.8\.6 is the first/);
  });

  it('bisects: both ends first, then the middle, until the change lies between neighbours', () => {
    const c = ['2.8.0', '2.8.1', '2.8.2', '2.8.3', '2.8.4', '2.8.5', '2.8.6', '2.8.7', '2.8.8'];
    const truth = (v: string) => row(v, c.indexOf(v) < 5 ? 3 : 0);
    const rows: ReleaseRow[] = [];
    const ran: string[] = [];
    for (let v = nextProbe(c, rows, 'stall'); v; v = nextProbe(c, rows, 'stall')) {
      ran.push(v);
      rows.push(truth(v));
    }
    expect(ran.slice(0, 2)).toEqual(['2.8.0', '2.8.8']);
    expect(ran.length).toBeLessThanOrEqual(2 + Math.ceil(Math.log2(c.length)));
    expect(changeLines(rows, 'stall')[0]).toMatch(/^2\.8\.5 is the first release run here without the stall/);
    // Both ends alike: nothing to find, nothing more to run.
    expect(nextProbe(['2.8.5', '2.8.6', '2.8.7'], [row('2.8.5', 0), row('2.8.7', 0)], 'stall')).toBeUndefined();
  });
});

describe('stall episodes', () => {
  const store = () =>
    new RunStore({ seedRows: 10, payloadKb: 1, batchSize: 5, maxBatches: 2, preset: null }, [
      { mode: 'chunked_optimal', expected: 10 },
    ]);
  const facts = (since: number) => ({
    since,
    idleSeconds: 40,
    kind: 'silent' as const,
    eventsSinceProgress: 0,
    maxPersistedItemId: 5,
    storedRows: 5,
    expectedRows: 10,
    iterationsIssued: 5,
    iterationsDone: 5,
    retriesPerNode: {},
    openExecutions: [],
    podMemoryTrend: [],
  });

  it('an episode that ends leaves the mode running; a completed run with one is still a stall breach', () => {
    const s = store();
    s.markLaunched('chunked_optimal', '1');
    s.markStalled('chunked_optimal', facts(Date.now() - 40_000));
    expect(verdictLabel(s.modeView('chunked_optimal'))).toBe('STALLED');
    s.noteStallCause('chunked_optimal', 'child-ended-parent-waits');
    s.endStall('chunked_optimal', "the playbook tool's timeout", null);
    const v = s.modeView('chunked_optimal');
    expect(v.stall).toBeNull();
    expect(v.verdict).toBe('running');
    expect(v.stalls).toHaveLength(1);
    expect(v.stalls[0]).toMatchObject({
      cause: 'child-ended-parent-waits',
      endedBy: "the playbook tool's timeout",
    });
    s.setVerdict('chunked_optimal', 'completed');
    expect(verdictLabel(s.modeView('chunked_optimal'), true)).toBe('COMPLETED, 1 stall');
    expect(breachesOf(s).map((b) => b.breach)).toEqual(['stall']);
    expect(breachesOf(s)[0].text).toMatch(/^chunked_optimal stalled once \(40s\)$/);
  });

  it("a child's /status end counts once a later read says it again with no event from the child between", () => {
    // 4.26.0's /status said `completed` (inferred) for a chunk worker between two of its commands, 4 s before
    // its two command.failed events (failures-watch, CI); the diff was taken without them.
    let now = 1_000_000;
    const s = new RunStore(
      { seedRows: 10, payloadKb: 1, batchSize: 5, maxBatches: 2, preset: null },
      [{ mode: 'chunked_optimal', expected: 10 }],
      () => now,
    );
    s.markLaunched('chunked_optimal', '1');
    s.addChild('chunked_optimal', '2', 1);
    const ev = (id: string, type: string) => ({
      eventId: id,
      executionId: '2',
      type,
      node: 'x',
      status: null,
      createdAt: null,
    });
    const ended = () => s.modeView('chunked_optimal').endedByStatus;
    s.recordEvents('chunked_optimal', [ev('10', 'command.completed')]);
    s.childStatusRead('chunked_optimal', '2', 'completed', true);
    expect(s.childEndsPending('chunked_optimal')).toBe(true); // read again every round until confirmed
    now += 5000;
    s.recordEvents('chunked_optimal', [ev('11', 'command.issued')]); // it was only between two commands
    s.childStatusRead('chunked_optimal', '2', 'completed', true);
    expect(ended()).toEqual([]);
    now += 1000;
    s.childStatusRead('chunked_optimal', '2', 'running', false); // and says so
    now += 1000;
    s.childStatusRead('chunked_optimal', '2', 'completed', true);
    now += 2000;
    s.childStatusRead('chunked_optimal', '2', 'completed', true); // quiet, but not yet 3 s
    expect(ended()).toEqual([]);
    now += 1500;
    s.childStatusRead('chunked_optimal', '2', 'completed', true);
    expect(ended()).toEqual(['2']);
    expect(s.childEndsPending('chunked_optimal')).toBe(false);
  });

  it('a run with no episode has no stall breach', () => {
    const s = store();
    s.markLaunched('chunked_optimal', '1');
    s.setVerdict('chunked_optimal', 'completed');
    expect(breachesOf(s)).toEqual([]);
    expect(EXIT.BREACHED).toBe(1);
  });
});
