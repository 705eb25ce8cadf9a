// check-playbook (issue 12): the constructs the Rust engine ignores or lacks (noetl-contract §6.6: noetl/tools
// src/tools/http.rs has no payload field; postgres.rs returns the last statement; no job namespace in the
// worker's template context; loop results are lists; retry policies see the tool envelope), named with
// their line, on a purpose-made playbook; and the run's own check of a --playbook-file.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BUNDLED, bundledFile } from '../src/paths.js';
import { runCli, ROOT } from './helpers/cli.js';

const PYTHON_ONLY = path.join(ROOT, 'test', 'playbooks', 'python-only-constructs.yaml');

describe('check-playbook', () => {
  it('names each Python-only construct with its line and the form that works', async () => {
    const r = await runCli(['check-playbook', PYTHON_ONLY]);
    expect(r.code).toBe(1);
    const lines = r.stdout.trim().split('\n');
    expect(
      lines.slice(0, -1).map((l) => l.replace(/^.*python-only-constructs\.yaml:(\d+): ([a-z-]+):.*$/, '$1 $2')),
    ).toEqual([
      '17 postgres-command-n',
      '23 http-payload',
      '24 job-namespace',
      '28 retry-http-status',
      '36 loop-dict-result',
    ]);
    expect(r.stdout).toContain('send the body as body: (an object goes as JSON on both engines)');
    expect(lines.at(-1)).toBe('5 construct(s) the rust engine ignores or lacks');
    // The released Python engine (noetl 4.26.0) fails on command_N too, and on a loop over a postgres
    // result's rows (both seen on the real engine: test/real-engine).
    const py = await runCli(['check-playbook', PYTHON_ONLY, '--engine', 'python']);
    expect(py.code).toBe(1);
    expect(
      py.stdout
        .trim()
        .split('\n')
        .slice(0, -1)
        .map((l) => l.replace(/^.*python-only-constructs\.yaml:(\d+): ([a-z-]+):.*$/, '$1 $2')),
    ).toEqual(['17 postgres-command-n', '17 loop-in-rows']);
    // The other way round: json: is a Rust http field the Python http tool does not read.
    const rustOnly = path.join(mkdtempSync(path.join(os.tmpdir(), 'loadrun-check-')), 'rust-only.yaml');
    writeFileSync(rustOnly, readFileSync(PYTHON_ONLY, 'utf8').replace('payload:', 'json:'));
    const py2 = await runCli(['check-playbook', rustOnly, '--engine', 'python']);
    expect(py2.code).toBe(1);
    expect(py2.stdout).toMatch(/rust-only\.yaml:23: http-json/);
    expect(py2.stdout).toMatch(
      /rust-only\.yaml:23: http-json: an http tool with json: the Python http tool reads payload:/,
    );
    // The bundled pair uses only forms both engines read.
    const bundled = await runCli(['check-playbook', bundledFile(BUNDLED.parentFile), bundledFile(BUNDLED.workerFile)]);
    expect(bundled.stdout.trim()).toBe('no construct the rust engine ignores or lacks');
    const bad = await runCli(['check-playbook', path.join(ROOT, 'nope.yaml')]);
    expect(bad.code).toBe(2);
  });

  it("names a step's when: and output: on python: 4.26.0's step model drops them (the step ran, seen there)", async () => {
    // test/playbooks/failing-runs/step-keys.yaml ends FAILED on real 4.26.0 because its false when: did not
    // guard the step (failures-watch.test.ts).
    const file = path.join(ROOT, 'test', 'playbooks', 'failing-runs', 'step-keys.yaml');
    const py = await runCli(['check-playbook', file, '--engine', 'python']);
    expect(py.code).toBe(1);
    expect(py.stdout).toMatch(
      /step-keys\.yaml:23: step-key-dropped: a step's when: .* so the step runs whatever it says/,
    );
    expect(py.stdout).toMatch(/step-keys\.yaml:24: step-key-dropped: a step's output:/);
    // Rust's step has when: (a guard); a legacy release before 4.26.0 was not seen, so nothing is claimed.
    expect((await runCli(['check-playbook', file])).stdout).not.toContain('step-key-dropped');
    const old = await runCli(['check-playbook', file, '--engine', 'python', '--noetl-version', '2.8.4']);
    expect(old.stdout).not.toContain('step-key-dropped');
  });

  it('names a loop mode beside in: the engines read it under loop.spec, and the sandbox refuses it (issue #39)', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'loadrun-check-'));
    const file = path.join(dir, 'loop-mode.yaml');
    writeFileSync(
      file,
      'apiVersion: noetl.io/v2\nkind: Playbook\nmetadata:\n  name: t\n  path: t/loop_mode\nworkflow:\n  - step: start\n    loop:\n      in: "{{ [1, 2] }}"\n      iterator: x\n      mode: parallel\n    tool:\n      kind: python\n      code: "result = 1"\n',
    );
    for (const engine of ['rust', 'python']) {
      const r = await runCli(['check-playbook', file, '--engine', engine]);
      expect(r.code, r.stdout + r.stderr).toBe(1);
      expect(r.stdout).toMatch(/loop-mode\.yaml:11: loop-key-place: loop\.mode beside 'in'/);
    }
  });

  it('a run checks a --playbook-file against the server it targets and says so', async () => {
    const dir = path.join(mkdtempSync(path.join(os.tmpdir(), 'loadrun-check-')), 'r');
    // The bundled parent with its http body written the legacy Python way.
    const legacy = path.join(path.dirname(dir), 'legacy-parent.yaml');
    writeFileSync(legacy, readFileSync(bundledFile(BUNDLED.parentFile), 'utf8').replace(/^(\s+)body:$/m, '$1payload:'));
    const r = await runCli([
      '--playbook-file',
      legacy,
      '--seed-rows',
      '20',
      '--payload-kb',
      '2',
      '--batch-size',
      '10',
      '--max-batches',
      '2',
      '--no-tui',
      '--report-dir',
      dir,
    ]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/\[loadrun\] playbook: .*legacy-parent\.yaml:\d+: http-payload/);
    expect(JSON.parse(readFileSync(path.join(dir, 'summary.json'), 'utf8')).target.playbookWarnings).toBeGreaterThan(0);
  });
});
