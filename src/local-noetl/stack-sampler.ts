// Where the local engine's processes spend their CPU: py-spy (from PyPI, installed into the engine's venv on
// first use; optional: without it the pods are sampled as before) records the busiest of the server and the
// workers for a few seconds while it is near a full core, at most every 30 s. The leaf functions of the
// samples are counted per role across recordings, and the hottest become the profiles the diagnosis quotes.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { BUSY_MILLICORES, type PodSample, type ProcessInfo, type StackProfile } from '../model.js';
import { ProcessPods } from '../sources/pods.js';
import { alive } from '../sandbox/embedded-pg.js';

const run = promisify(execFile);
const RECORD_SECONDS = 8;
const EVERY_MS = 30_000;

/** py-spy in the venv: there already, or installed now; undefined when pip cannot get it. */
export async function ensurePySpy(venvDir: string, log: (m: string) => void = () => {}): Promise<string | undefined> {
  const bin = path.join(venvDir, 'bin', 'py-spy');
  if (existsSync(bin)) return bin;
  log("installing py-spy into the engine's venv, to see where its workers spend their CPU (optional)");
  try {
    await run(
      path.join(venvDir, 'bin', 'pip'),
      ['install', '-q', '--disable-pip-version-check', '--no-input', 'py-spy'],
      {
        timeout: 180_000,
      },
    );
  } catch (err) {
    log(`py-spy not installed (${String((err as Error).message).split('\n')[0]}): no stack samples`);
    return undefined;
  }
  return existsSync(bin) ? bin : undefined;
}

/** `frame;frame;leaf (file:line) count` lines (py-spy --format raw) to counts per leaf function. */
export function leafCounts(raw: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of raw.split('\n')) {
    const m = /^(.*) (\d+)$/.exec(line.trim());
    if (!m) continue;
    const leaf = m[1].slice(m[1].lastIndexOf(';') + 1);
    const f = /^(.+?) \(([^:]+)(?::\d+)?\)$/.exec(leaf);
    const key = f ? `${f[2]}\t${f[1]}` : `?\t${leaf}`;
    out.set(key, (out.get(key) ?? 0) + Number(m[2]));
  }
  return out;
}

/** The merged counts as a profile: the top functions with their share of every sample. */
export function profileOf(role: string, counts: Map<string, number>, pods: string[], seconds: number): StackProfile {
  const total = [...counts.values()].reduce((a, b) => a + b, 0);
  const top = [...counts.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 5)
    .map(([key, n]) => {
      const [file, fn] = key.split('\t');
      return { file, fn, share: total ? Math.round((n / total) * 1000) / 1000 : 0 };
    });
  return { tool: 'py-spy', role, pods, seconds, samples: total, top };
}

/**
 * local-noetl's processes.json as a process list, read on every sample (it may be rewritten); a process
 * that is gone is listed as exited.
 */
export function engineProcessesFrom(file: string): { list: () => ProcessInfo[]; venvDir: string | undefined } {
  const read = () => {
    try {
      return JSON.parse(readFileSync(file, 'utf8')) as { venv_dir?: string; processes?: ProcessInfo[] };
    } catch {
      return {};
    }
  };
  return {
    venvDir: read().venv_dir,
    list: () =>
      (read().processes ?? []).map((p) => (p.exited || alive(p.pid) ? p : { ...p, exited: 'gone (its pid is free)' })),
  };
}

/** What py-spy recorded of one role's processes (the workers together, the server). */
interface RoleStacks {
  counts: Map<string, number>;
  pods: Set<string>;
  seconds: number;
  profile: StackProfile | null;
}

/**
 * The local engine's processes as pods, and stack profiles of its busiest process (a worker or the
 * server) where py-spy is there.
 */
export class LocalEnginePods extends ProcessPods {
  private readonly roles = new Map<string, RoleStacks>();
  private recording = false;
  private lastAt = 0;

  constructor(
    private readonly list: () => ProcessInfo[],
    private readonly pySpy: Promise<string | undefined>,
  ) {
    super(async () => list());
  }

  override async sample(): Promise<PodSample[]> {
    const samples = await super.sample();
    const busiest = samples
      .filter((s) => (s.role === 'worker' || s.role === 'server') && (s.cpuMillicores ?? 0) >= BUSY_MILLICORES)
      .sort((a, b) => (b.cpuMillicores ?? 0) - (a.cpuMillicores ?? 0))[0];
    if (busiest && !this.recording && Date.now() - this.lastAt >= EVERY_MS) {
      const pid = this.list().find((p) => p.name === busiest.name)?.pid;
      if (pid) void this.record(busiest, pid);
    }
    return samples;
  }

  override profile(): StackProfile[] {
    return [...this.roles.values()].flatMap((r) => (r.profile ? [r.profile] : []));
  }

  private async record(pod: PodSample, pid: number): Promise<void> {
    this.recording = true;
    this.lastAt = Date.now();
    const dir = mkdtempSync(path.join(os.tmpdir(), 'noetl-loadrun-pyspy-'));
    try {
      const bin = await this.pySpy;
      if (!bin) return;
      const out = path.join(dir, 'stacks.txt');
      const args = ['record', '--pid', String(pid), '--duration', String(RECORD_SECONDS), '--rate', '50'];
      await run(bin, [...args, '--format', 'raw', '--nonblocking', '--output', out], { timeout: 30_000 });
      const r = this.roles.get(pod.role) ?? { counts: new Map(), pods: new Set(), seconds: 0, profile: null };
      this.roles.set(pod.role, r);
      for (const [k, n] of leafCounts(readFileSync(out, 'utf8'))) r.counts.set(k, (r.counts.get(k) ?? 0) + n);
      r.pods.add(pod.name);
      r.seconds += RECORD_SECONDS;
      r.profile = profileOf(pod.role, r.counts, [...r.pods], r.seconds);
    } catch {
      // The process ended meanwhile, or py-spy may not attach here: the pods are sampled all the same.
    } finally {
      rmSync(dir, { recursive: true, force: true });
      this.recording = false;
    }
  }
}
