// Pod resource samples in the shape of `kubectl top pod` rows. The process implementation (the sandbox's
// processes, the local engine's) reads their real CPU and memory: Linux /proc (a process plus its descendants, like a pod's cgroup),
// `ps` elsewhere.
import { readFileSync, readdirSync } from 'node:fs';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { PodSample, ProcessInfo, StackProfile } from '../model.js';

const execFileP = promisify(execFile);

export interface PodsSource {
  /** Suggested poll interval in ms. */
  readonly intervalMs: number;
  sample(): Promise<PodSample[]>;
  /** Where the sampled processes spend their time, when a stack sampler runs beside them (the same object until it changes). */
  profile?(): StackProfile[];
  /**
   * The CPU-seconds the processes of these roles (each with its descendants) have used since they started,
   * read now; null where they cannot be read (not Linux). A sweep reads it at a run's edges.
   */
  cpuSecondsSoFar?(roles: string[]): Promise<number | null>;
}

const CLK_TCK = 100; // USER_HZ on Linux
const PAGE = 4096;

interface ProcStat {
  pid: number;
  ppid: number;
  ticks: number;
  rssBytes: number;
}

function readStat(pid: number): ProcStat | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
    // fields after the command: state(0) ppid(1) ... utime(11) stime(12) ... rss(21)
    return {
      pid,
      ppid: Number(rest[1]),
      ticks: Number(rest[11]) + Number(rest[12]),
      rssBytes: Number(rest[21]) * PAGE,
    };
  } catch {
    return undefined;
  }
}

function allStats(): ProcStat[] {
  const out: ProcStat[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    const s = readStat(Number(d));
    if (s) out.push(s);
  }
  return out;
}

/** A process and its descendants, except descendants that are themselves listed as their own pod. */
function treeOf(root: number, stats: ProcStat[], exclude: Set<number>): ProcStat[] {
  const children = new Map<number, ProcStat[]>();
  for (const s of stats) {
    const list = children.get(s.ppid) ?? [];
    list.push(s);
    children.set(s.ppid, list);
  }
  const byPid = new Map(stats.map((s) => [s.pid, s]));
  const out: ProcStat[] = [];
  const stack = [root];
  while (stack.length) {
    const pid = stack.pop()!;
    const s = byPid.get(pid);
    if (!s) continue;
    out.push(s);
    for (const c of children.get(pid) ?? []) if (!exclude.has(c.pid)) stack.push(c.pid);
  }
  return out;
}

/** A process's restarts as a pod's, when it keeps them (the sandbox's python workers), and its end. */
const asPod = (p: ProcessInfo) => ({
  ...(p.restarts === undefined ? {} : { restarts: p.restarts, lastReason: p.lastReason ?? null }),
  ...(p.exited ? { exited: p.exited } : {}),
});

export class ProcessPods implements PodsSource {
  readonly intervalMs = 2000;
  // CPU ticks per pid at the previous sample: a pod's CPU is the sum of its processes' deltas, so
  // backends that come and go (Postgres) never make it negative.
  private prevTicks = new Map<number, number>();
  private prevAt = 0;

  constructor(private readonly processes: () => Promise<ProcessInfo[]>) {}

  /** No stack sampler here; the local engine's pods add one (src/local-noetl/stack-sampler.ts). */
  profile(): StackProfile[] {
    return [];
  }

  async cpuSecondsSoFar(roles: string[]): Promise<number | null> {
    if (process.platform !== 'linux') return null;
    const procs = await this.processes();
    const stats = allStats();
    const listed = new Set(procs.map((p) => p.pid));
    const ticks = procs
      .filter((p) => roles.includes(p.role) && !p.exited)
      .flatMap((p) => treeOf(p.pid, stats, listed))
      .reduce((n, s) => n + s.ticks, 0);
    return ticks / CLK_TCK;
  }

  async sample(): Promise<PodSample[]> {
    const procs = await this.processes();
    const now = Date.now();
    if (process.platform !== 'linux') return this.samplePs(procs, now);
    const stats = allStats();
    const listed = new Set(procs.map((p) => p.pid));
    const nextTicks = new Map<number, number>();
    const dt = this.prevAt ? now - this.prevAt : 0;
    const out = procs.map((p) => {
      const tree = p.exited ? [] : treeOf(p.pid, stats, listed);
      if (!tree.length)
        return { name: p.name, role: p.role, cpuMillicores: null, memoryBytes: null, sampledAt: now, ...asPod(p) };
      let deltaTicks = 0;
      for (const s of tree) {
        nextTicks.set(s.pid, s.ticks);
        const before = this.prevTicks.get(s.pid);
        deltaTicks += before === undefined ? (this.prevAt ? s.ticks : 0) : Math.max(0, s.ticks - before);
      }
      const rss = tree.reduce((n, s) => n + s.rssBytes, 0);
      const cpu = dt > 0 ? Math.round(((deltaTicks / CLK_TCK) * 1000 * 1000) / dt) : null;
      return { name: p.name, role: p.role, cpuMillicores: cpu, memoryBytes: rss, sampledAt: now, ...asPod(p) };
    });
    this.prevTicks = nextTicks;
    this.prevAt = now;
    return out;
  }

  private async samplePs(procs: ProcessInfo[], now: number): Promise<PodSample[]> {
    if (!procs.length) return [];
    const { stdout } = await execFileP('ps', ['-o', 'pid=,%cpu=,rss=', '-p', procs.map((p) => p.pid).join(',')]);
    const rows = new Map<number, { cpu: number; rss: number }>();
    for (const line of stdout.trim().split('\n')) {
      const [pid, cpu, rss] = line.trim().split(/\s+/).map(Number);
      rows.set(pid, { cpu, rss });
    }
    return procs.map((p) => {
      const r = rows.get(p.pid);
      return {
        name: p.name,
        role: p.role,
        cpuMillicores: r ? Math.round(r.cpu * 10) : null,
        memoryBytes: r ? r.rss * 1024 : null,
        sampledAt: now,
        ...asPod(p),
      };
    });
  }
}

let lastSelf: { cpu: NodeJS.CpuUsage; at: number } | undefined;

/** The tool's own process, so the observer's cost is visible next to what it observes. */
export function selfSample(): PodSample {
  const now = Date.now();
  const cpu = process.cpuUsage();
  let millicores: number | null = null;
  if (lastSelf && now > lastSelf.at) {
    const usedMicros = cpu.user - lastSelf.cpu.user + (cpu.system - lastSelf.cpu.system);
    millicores = Math.round(usedMicros / (now - lastSelf.at));
  }
  lastSelf = { cpu, at: now };
  return {
    name: 'noetl-loadrun',
    role: 'observer',
    cpuMillicores: millicores,
    memoryBytes: process.memoryUsage().rss,
    sampledAt: now,
  };
}
