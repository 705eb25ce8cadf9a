// The sweep's engine meter on real processes: a child that burns a known amount of CPU after the "run" has
// ended (as 4.26.0's server still redacts the last results after the run's end event) is counted in full
// once the meter waits for it to settle, and a child that never settles is reported as such.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { ProcessPods } from '../src/sources/pods.js';
import { EngineMeter } from '../src/sweep/engine-meter.js';

// Burns CPU (not wall time) on each `burn <cpu-ms>` line, so a busy machine only makes it take longer.
const BURNER = `
const rl = require('node:readline').createInterface({ input: process.stdin });
rl.on('line', (l) => {
  const ms = Number(l.split(' ')[1]);
  const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
  const start = cpu();
  while (cpu() - start < ms) {}
  process.stdout.write('burnt\\n');
});
process.stdout.write('ready\\n');
`;

const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) c.kill('SIGKILL');
});

async function burner(): Promise<ChildProcess> {
  const c = spawn(process.execPath, ['-e', BURNER], { stdio: ['pipe', 'pipe', 'inherit'] });
  children.push(c);
  await once(c.stdout!, 'data');
  return c;
}

const options = { idleMs: 500, windowMs: 300, marginMillicores: 60, maxSettleMs: 30_000 };

describe.skipIf(process.platform !== 'linux')('the sweep engine meter', () => {
  it("counts the CPU an engine spends after the run's end, waiting for it to settle", async () => {
    const c = await burner();
    const pods = new ProcessPods(async () => [{ role: 'worker', name: 'w', pid: c.pid! }]);
    const meter = new EngineMeter({ cpuSecondsSoFar: (r) => pods.cpuSecondsSoFar(r) }, options);
    expect(await meter.calibrate()).toBe(true);
    expect(meter.idleRate!).toBeLessThan(0.2);
    const from = (await meter.mark())!;
    c.stdin!.write('burn 1500\n'); // the "run" ends as the burn starts
    const cpu = (await meter.since(from))!;
    expect(cpu.settled).toBe(true);
    expect(cpu.cpuSeconds).toBeGreaterThan(1.3);
    expect(cpu.cpuSeconds).toBeLessThan(2.5);
    // A process of another role is not the engine's.
    expect(await pods.cpuSecondsSoFar(['server'])).toBe(0);
  });

  it('says when the engine did not settle, and counts what it had used', async () => {
    const c = await burner();
    const pods = new ProcessPods(async () => [{ role: 'server', name: 's', pid: c.pid! }]);
    const meter = new EngineMeter(
      { cpuSecondsSoFar: (r) => pods.cpuSecondsSoFar(r) },
      { ...options, maxSettleMs: 900 },
    );
    expect(await meter.calibrate()).toBe(true);
    const from = (await meter.mark())!;
    c.stdin!.write('burn 20000\n');
    const cpu = (await meter.since(from))!;
    expect(cpu.settled).toBe(false);
    expect(cpu.cpuSeconds).toBeGreaterThan(0.1);
    expect(cpu.settleSeconds).toBeGreaterThanOrEqual(0.9);
  });
});
