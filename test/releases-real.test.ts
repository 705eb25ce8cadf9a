// A real historical stall on the release that had it (issue #37): noetl 2.8.4's playbook tool polls
// GET /api/executions/{child} for fields that route never returns (2.8.4 wheel noetl/worker/v2_worker_nats.py
// 2174-2189), so each chunk window comes back only when the tool's timeout runs out. 2.8.5 polls /status
// (noetl/noetl 7acf458b). The same setting runs on both through `releases`, each from its own cached venv:
// 2.8.4 stalls once per window, the stall is named child-ended-parent-waits (its children write no terminal
// event: /status completion_inferred), every episode ends at the tool's timeout and nothing is missing;
// 2.8.5 has no stall; the change and the compare report say so. Shortened (3 windows of 10, 8 KB, the
// playbook tool's timeout 20 s) to finish in a few minutes. It runs with the tool's files, not after them
// with test/real-engine/: 2.8.x at 8 KB spends its time waiting on the playbook tool, not on a CPU.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.js';
import { summaryOf } from './real-engine/harness.js';

interface Episode {
  since: number;
  endedAt: number | null;
  endedBy: string | null;
  cause: string | null;
}

describe('releases 2.8.4,2.8.5 on the real engines (--target local)', () => {
  it(
    '2.8.4 stalls at every window until the playbook tool gives up, named; 2.8.5 does not; 2.8.5 is the first without it',
    { timeout: 900_000 },
    async () => {
      const dir = mkdtempSync(path.join(os.tmpdir(), 'loadrun-releases-'));
      try {
        const r = await runCli(
          [
            ...['releases', '2.8.5,2.8.4', '--modes', 'chunked_optimal', '--seed-rows', '30', '--batch-size', '10'],
            ...['--max-batches', '3', '--payload-kb', '8', '--child-timeout', '20s', '--stall-seconds', '8'],
            ...['--timeout', '300', '--workers', '1', '--report-dir', dir],
          ],
          { timeoutMs: 880_000 },
        );
        const out = r.stdout;
        // A stall is a breach (exit 1) although every row arrived on 2.8.4.
        expect(r.code, `${out.slice(-3000)}\n${r.stderr}`).toBe(1);
        expect(out).toMatch(
          /2\.8\.5 is the first release run here without the stall \(2\.8\.4 has it: child-ended-parent-waits\)/,
        );

        const old = summaryOf(path.join(dir, 'noetl-2.8.4'));
        const m = old.modes[0];
        expect(m.verdict).toBe('completed');
        expect(m.missing.count).toBe(0);
        const eps = m.stall_episodes as Episode[];
        // One flat wait per window; the last may end with the execution itself.
        expect(eps.length).toBeGreaterThanOrEqual(2);
        for (const e of eps) expect(e.cause).toBe('child-ended-parent-waits');
        expect(eps.filter((e) => /the playbook tool's timeout \(/.test(e.endedBy ?? '')).length).toBeGreaterThanOrEqual(
          2,
        );
        // Each flat stretch is the playbook tool's timeout: about 20 s, not the stall threshold (8 s).
        for (const e of eps.slice(0, 2)) expect((e.endedAt! - e.since) / 1000).toBeGreaterThan(15);
        const cause = m.diagnosis.causes.find((c: { id: string }) => c.id === 'child-ended-parent-waits');
        expect(cause.title).toMatch(/2\.8\.0-2\.8\.4/);
        expect(cause.title).toMatch(/7acf458b/);
        // The children wrote no terminal event; their /status said so (completion_inferred).
        const records = readFileSync(path.join(dir, 'noetl-2.8.4', 'events.ndjson'), 'utf8')
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l));
        const children = records.filter((x) => x.kind === 'child').map((x) => x.execution_id);
        expect(children).toHaveLength(3);
        const ended = records.filter((x) => x.kind === 'event' && /^playbook\.(completed|failed)$/.test(x.event_type));
        expect(ended.filter((x) => children.includes(x.execution_id))).toEqual([]);
        const inferred = records.filter((x) => x.kind === 'child_status' && x.inferred && x.state === 'completed');
        expect(inferred.map((x) => x.execution_id).sort()).toEqual([...children].sort());

        const fixed = summaryOf(path.join(dir, 'noetl-2.8.5'));
        expect(fixed.modes[0].verdict).toBe('completed');
        expect(fixed.modes[0].missing.count).toBe(0);
        expect(fixed.modes[0].stall_episodes).toEqual([]);

        // The compare report across them: from 2.8.4 to 2.8.5 the stall is gone.
        expect(out).toMatch(/→ .*noetl-2\.8\.5.*stall gone/);
        const md = readFileSync(path.join(dir, 'compare.md'), 'utf8');
        expect(md).toMatch(/stall gone/);
        const json = JSON.parse(readFileSync(path.join(dir, 'releases.json'), 'utf8'));
        expect(json.rows.map((x: { release: string; stalls: number }) => [x.release, x.stalls > 0])).toEqual([
          ['2.8.4', true],
          ['2.8.5', false],
        ]);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );
});
