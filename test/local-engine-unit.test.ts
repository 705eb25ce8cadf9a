// The parts of --target local that need no engine: log lines as noetl 4.26.0 writes them (copied from a
// --target local run here, 2026-12-06), py-spy's raw stacks, release boundaries, and a dead process as a pod.
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { checkNoetlVersion } from '../src/local-noetl/releases.js';
import { leafCounts, profileOf } from '../src/local-noetl/stack-sampler.js';
import { LogLineReader } from '../src/sources/log-files.js';
import { ProcessPods } from '../src/sources/pods.js';

const VENV = '/home/user/.cache/noetl-loadrun/venv-noetl-4.26.0/lib/python3.12/site-packages/noetl';

/** The lines the reader passes on, as [level, text]. */
function read(lines: string[]): Array<[string, string]> {
  const r = new LogLineReader();
  return lines.flatMap((l) => {
    const x = r.take(l);
    return x ? [[x.level, x.text] as [string, string]] : [];
  });
}

describe('log lines of the legacy engine, as its processes write them', () => {
  it("passes a WARNING's message and its context line, and the pool's settings at INFO, nothing else at INFO", () => {
    const out = read([
      `2026-12-06T14:47:08.799796 [INFO]  ${VENV}/tools/postgres/executor.py:280`,
      '(executor:_execute_postgres_task_async:280)',
      '     Message: POSTGRES: pooled mode pool=pg_demo_noetl_d6b45b0f8f min=1 max=6 waiting=50 timeout=30.0s commands=1',
      `2026-12-06T14:47:09.353045 [INFO]  ${VENV}/worker/nats_worker.py:1320`,
      '(nats_worker:_handle_command_notification:1320)',
      '     Message: [PERF] TOTAL command handling for run_direct_stress:task_sequence took 27212.4ms',
      `2026-12-06T14:47:36.281355 [ERROR]  ${VENV}/worker/nats_worker.py:3588`,
      '(nats_worker:_emit_batch_events:3588)',
      '     Message: [BATCH] Failed to emit batch events after 1 attempts: ',
      '     execution_id: 775956544121733124 command_id: 775956549314281566',
      // The server's own one-line records after a worker's ERROR header: each has its own level.
      'INFO:     127.0.0.1:43980 - "POST /api/events HTTP/1.1" 200 OK',
      '[INFO] 2026-12-06T14:49:21,196 (noetl.core.dsl.engine.executor.store:_save_state_inner:277) - [PERF] save_state total=0.012s',
      'WARNING:  Invalid HTTP request received.',
    ]);
    expect(out).toEqual([
      ['info', 'POSTGRES: pooled mode pool=pg_demo_noetl_d6b45b0f8f min=1 max=6 waiting=50 timeout=30.0s commands=1'],
      ['error', '[BATCH] Failed to emit batch events after 1 attempts:'],
      ['error', 'execution_id: 775956544121733124 command_id: 775956549314281566'],
      ['warn', 'WARNING:  Invalid HTTP request received.'],
    ]);
  });
});

describe("py-spy's raw stacks", () => {
  // Two lines of a `py-spy record --format raw` of a 4.26.0 worker on 64 KB items, shortened at the root.
  const RAW = [
    '_run_module_as_main (<frozen runpy>:198);main (noetl/worker/__main__.py:34);_redact_response_recursive (noetl/core/sanitize.py:402);redact_url_credentials (noetl/core/sanitize.py:732) 100',
    '_run_module_as_main (<frozen runpy>:198);main (noetl/worker/__main__.py:34);_redact_response_recursive (noetl/core/sanitize.py:398);redact_url_credentials (noetl/core/sanitize.py:732) 91',
    '_run_module_as_main (<frozen runpy>:198);BaseEventLoop._run_once (asyncio/base_events.py:1971);wait_async (psycopg/waiting.py:213) 9',
    '',
  ].join('\n');

  it('counts the leaf functions over lines that differ above them, and gives each its share', () => {
    const counts = leafCounts(RAW);
    expect(counts.get('noetl/core/sanitize.py\tredact_url_credentials')).toBe(191);
    const p = profileOf('worker', counts, ['noetl-worker-1'], 8);
    expect(p.top[0]).toEqual({ file: 'noetl/core/sanitize.py', fn: 'redact_url_credentials', share: 0.955 });
    expect(p).toMatchObject({ tool: 'py-spy', samples: 200, seconds: 8, pods: ['noetl-worker-1'] });
  });
});

describe('engine releases', () => {
  it('takes 2.8.0 to 4.26.0 and refuses the rest with one line saying why', () => {
    expect(checkNoetlVersion('2.8.0', '--noetl-version')).toBe('2.8.0');
    expect(checkNoetlVersion('4.26.0', '--noetl-version')).toBe('4.26.0');
    expect(() => checkNoetlVersion('2.7.9', '--noetl-version')).toThrow(/before 2\.8\.0 cannot parse/);
    expect(() => checkNoetlVersion('5.0.0', '--noetl-version')).toThrow(/Rust CLI/);
    expect(() => checkNoetlVersion('latest', '--noetl-version')).toThrow(/not a release/);
  });
});

describe('a process that died, as a pod', () => {
  it('is sampled with no CPU or memory and says how it ended; a live one has both', async () => {
    const child = spawn('sleep', ['30']);
    try {
      const pods = new ProcessPods(async () => [
        { role: 'worker', name: 'noetl-worker-1', pid: child.pid! },
        { role: 'worker', name: 'noetl-worker-2', pid: 2 ** 22 + 7, exited: 'killed by SIGKILL' },
      ]);
      await pods.sample();
      await new Promise((r) => setTimeout(r, 50));
      const [live, dead] = await pods.sample();
      expect(live.memoryBytes).toBeGreaterThan(0);
      expect(live.cpuMillicores).not.toBeNull();
      expect(dead).toMatchObject({ cpuMillicores: null, memoryBytes: null, exited: 'killed by SIGKILL' });
    } finally {
      child.kill('SIGKILL');
    }
  });
});
