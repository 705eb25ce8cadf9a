// The fixture's own kind of workload on the real legacy engine, started by the tool itself (--target local):
// payloads large enough that the engine's workers spend their CPU in the redaction regex (noetl 4.26.0
// noetl/core/sanitize.py 700-704), a worker SIGKILLed mid-run, and a mode starved by the other on one worker.
// Each asserts the cause the tool names and its figures. Sized to finish here in a few minutes.
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { workerPidsIn } from '../../src/local-noetl/processes.js';
import { cacheRoot } from '../../src/local-noetl/venv.js';
import { runCli, startCli } from '../helpers/cli.js';
import { summaryOf } from './harness.js';

interface Cause {
  id: string;
  evidence: string[];
  advice: string[];
}
interface ModeSummary {
  mode: string;
  verdict: string;
  stored_rows: number;
  diagnosis: { causes: Cause[] } | null;
}

const tmp = () => mkdtempSync(path.join(os.tmpdir(), 'loadrun-workload-'));
const causesOf = (m: ModeSummary) => m.diagnosis?.causes ?? [];
const modeOf = (dir: string, mode: string): ModeSummary =>
  summaryOf(dir).modes.find((m: ModeSummary) => m.mode === mode);
const pySpy = () => existsSync(path.join(cacheRoot(), 'venv-noetl-4.26.0', 'bin', 'py-spy'));

/** No cause quotes a setting logged at INFO (issue #36): the pool's sizes are advice, not evidence. */
function noInfoEvidence(dir: string): void {
  for (const m of summaryOf(dir).modes as ModeSummary[])
    for (const c of causesOf(m)) expect(c.evidence.join('\n')).not.toMatch(/POSTGRES: pooled mode|\[PERF\]/);
}

describe('the real engine at the sizes that make it crawl (--target local)', () => {
  it(
    'runs a payload sweep of 16, 32 and 64 KB on one worker: the per-item cost grows as payload^1.6 or more above its fixed part, and the 64 KB cell names the CPU-bound process',
    { timeout: 600_000 },
    async () => {
      const dir = path.join(tmp(), 'sweep');
      try {
        const r = await runCli(
          [
            ...['sweep', '--target', 'local', '--workers', '1', '--payload-kb', '16,32,64', '--seed-rows', '8'],
            ...['--modes', 'direct_stress', '--stall-seconds', '90', '--timeout', '240', '--report-dir', dir],
          ],
          { timeoutMs: 540_000 },
        );
        const out = r.stdout + r.stderr;
        expect(out).toMatch(/per-item cost grows about as payload\^\d\.\d \(exponent \d\.\d\)/);
        const sweep = summaryOf(dir);
        const growth = sweep.payload_growth;
        expect(growth.basis).toBe('engine CPU-seconds per item');
        // Each run's engine CPU read from /proc at its edges, the engine settled after it (engine-meter.ts).
        for (const c of sweep.cells)
          expect(c.runs.map((x: { cpu_basis: string }) => x.cpu_basis)).toEqual(['run edges']);
        // Seen here (2026-12-07, 4 items a cell): 2.0, 3.0 and 11.9 engine CPU-seconds per item. One worker and 8
        // items keep the 64 KB cell CPU-bound for long enough (the CPU rules ask a run that completed for 20 s
        // at a full core): with 2 workers and 6 items the server alone was, and a CI run found it short of that
        // once its status reads were budgeted; here one worker named both rules (exponent 2.5). The fit
        // (cost = a + b·payload^k) finds a part that does not grow (about 1.8 an item: a run's own steps) and
        // k at 2.8-3.4 in three sweeps (issue #36: at least 1.6 between 16 and 64 KB); the plain log-log slope
        // is 1.3, still faster than the payload. REAL-ENGINES.md says what the fixed part is made of.
        expect(growth.exponent, JSON.stringify(growth)).toBeGreaterThanOrEqual(1.6);
        expect(growth.fixed, JSON.stringify(growth)).toBeGreaterThan(0);
        expect(growth.slope, JSON.stringify(growth)).toBeGreaterThan(1);
        const big = sweep.cells.find((c: { payload_kb: number }) => c.payload_kb === 64);
        const runDir = path.join(dir, big.runs[0].dir);
        const run = summaryOf(runDir);
        // The engine's processes as pods, each with CPU and memory.
        const pods = run.pods.map((p: { name: string }) => p.name);
        expect(pods).toEqual(expect.arrayContaining(['noetl-server', 'noetl-worker-1', 'nats-server', 'postgres']));
        for (const p of run.pods) expect([p.name, p.memory_bytes > 0]).toEqual([p.name, true]);
        // With two workers and 4-6 items of 64 KB the server was the one at a full core (31 CPU-seconds against
        // the workers' 8 each, in the redaction of the command contexts it externalises: py-spy, noetl
        // server/api/core/commands.py 125); with one worker and 8 items both were named here.
        const causes = causesOf(modeOf(runDir, 'direct_stress'));
        const cpu = causes.find((c) => /^(workers|server)-cpu-bound$/.test(c.id));
        expect(cpu, JSON.stringify(causes)).toBeDefined();
        expect(cpu!.evidence.join('\n')).toMatch(
          /noetl-(server|worker-\d): \d+m CPU on average, at a full core in \d+%/,
        );
        // py-spy is optional; where it is installed (local-noetl --install-only does), the hot function shows.
        if (pySpy()) expect(cpu!.evidence.join('\n')).toMatch(/sanitize\.py redact_url_credentials \d+%/);
        if (pySpy()) expect(cpu!.advice.join('\n')).toMatch(/_URL_CREDENTIALS_RE/);
        noInfoEvidence(runDir);
      } finally {
        rmSync(path.dirname(dir), { recursive: true, force: true });
      }
    },
  );

  it('runs the bundled pair in one command: both modes COMPLETED, its processes as pods, no cause named', async () => {
    const dir = path.join(tmp(), 'r');
    try {
      const small = ['--seed-rows', '8', '--payload-kb', '8', '--batch-size', '4', '--max-batches', '2'];
      const r = await runCli(
        ['--target', 'local', ...small, '--stall-seconds', '120', '--timeout', '150', '--report-dir', dir],
        {
          timeoutMs: 240_000,
        },
      );
      const s = summaryOf(dir);
      // The engine leaves the chunked parent open about 1 run in 7 (test/real-engine/smoke.test.ts).
      const verdicts = s.modes.map((m: ModeSummary) => m.verdict);
      expect(verdicts[0], r.stdout.slice(-2000)).toBe('completed');
      expect(['completed', 'timeout']).toContain(verdicts[1]);
      expect(s.target.dialect).toMatch(/^python 4\.26\.0, local/);
      const pods = s.pods.map((p: { name: string }) => p.name);
      expect(pods).toEqual(expect.arrayContaining(['noetl-server', 'noetl-worker-1', 'noetl-worker-2']));
      for (const p of s.pods) expect(p.cpu_millicores === null ? p.name : null).toBeNull();
      // A clean run names no cause (issue #39 item 2: the pool's INFO line named "timeouts" before).
      expect(causesOf(s.modes[0])).toEqual([]);
      expect(readdirSync(path.join(dir, 'engine-logs')).sort()).toEqual(
        expect.arrayContaining(['server.log', 'worker-1.log', 'worker-2.log']),
      );
    } finally {
      rmSync(path.dirname(dir), { recursive: true, force: true });
    }
  });

  it('names a worker SIGKILLed mid-run, and the commands it took with it', { timeout: 300_000 }, async () => {
    const dir = path.join(tmp(), 'r');
    const cli = startCli([
      ...['--target', 'local', '--modes', 'direct_stress', '--seed-rows', '16', '--payload-kb', '16'],
      ...['--stall-seconds', '15', '--stop-on-stall', '--timeout', '150', '--no-tui', '--report-dir', dir],
    ]);
    const { child, exited, output: out } = cli;
    try {
      // Once rows are being stored, the second worker dies as an OOM kill or a node loss would end it.
      await cli.until((o) => /stored [1-9]\d*\/16/.test(o), 180_000);
      const localDir = /\(logs in (\/\S+)\)/.exec(out())?.[1];
      expect(localDir, out().slice(-2000)).toBeDefined();
      const pids = workerPidsIn(localDir!);
      expect(pids.length).toBe(2);
      process.kill(pids[1], 'SIGKILL');
      expect(await exited, out().slice(-3000)).not.toBeNull();
      const m = modeOf(dir, 'direct_stress');
      const lost = causesOf(m).find((c) => c.id === 'worker-lost');
      expect(lost, JSON.stringify(m.diagnosis)).toBeDefined();
      expect(lost!.evidence.join('\n')).toMatch(/noetl-worker-\d: killed by SIGKILL, nothing restarted it/);
      // Seen here 3 runs of 3 (issue #36): the dead worker's commands are never finished nor redelivered, and
      // the run does not end. When it held none at the moment it died, the run completes and says only that.
      if (m.verdict !== 'completed')
        expect(lost!.evidence.join('\n')).toMatch(
          /\d+ command\(s\) claimed and started, never completed; none claimed again/,
        );
      const pod = summaryOf(dir).pods.find((p: { exited?: string }) => p.exited);
      expect(pod).toMatchObject({ exited: 'killed by SIGKILL' });
      noInfoEvidence(dir);
    } finally {
      child.kill('SIGKILL');
      rmSync(path.dirname(dir), { recursive: true, force: true });
    }
  });

  it(
    "names a mode starved by the other: its first command unclaimed while the other's hold the one worker",
    { timeout: 300_000 },
    async () => {
      const dir = path.join(tmp(), 'r');
      try {
        await runCli(
          [
            // 16 items: direct_stress must still hold the one worker at the end (seen here on a fresh venv:
            // 8 items of 64 KB took it 40 s, and the other mode was no longer starved when the run ended).
            ...['--target', 'local', '--workers', '1', '--seed-rows', '16', '--payload-kb', '64', '--batch-size', '8'],
            ...[
              '--max-batches',
              '1',
              '--stall-seconds',
              '10',
              '--stop-on-stall',
              '--timeout',
              '28',
              '--report-dir',
              dir,
            ],
          ],
          { timeoutMs: 240_000 },
        );
        const m = modeOf(dir, 'chunked_optimal');
        const starved = causesOf(m).find((c) => c.id === 'mode-starved');
        expect(starved, JSON.stringify(m)).toBeDefined();
        expect(starved!.evidence.join('\n')).toMatch(
          /direct_stress: \d+ command\(s\) claimed and unfinished on 1 worker/,
        );
        expect(starved!.advice.join('\n')).toMatch(/--sequential/);
        noInfoEvidence(dir);
      } finally {
        rmSync(path.dirname(dir), { recursive: true, force: true });
      }
    },
  );
});
