// The sandbox's event log (src/sandbox/event-log.ts) on a real Postgres: an execution's terminal event
// waits for that execution's own events only. Found on a 20,000-item run: waiting for the whole log to
// drain kept every chunk worker from ending while direct_stress kept the log busy, so chunked_optimal
// "stalled" in the emulator, not in any engine (a real server commits each execution's events on its own).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventLog } from '../src/sandbox/event-log.js';
import { sandbox, type TestSandbox } from './helpers/sandbox.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('sandbox event log', () => {
  let sb: TestSandbox;
  beforeAll(async () => {
    sb = await sandbox();
  });
  afterAll(async () => sb?.close());

  it('lets one execution end while another keeps the log busy', async () => {
    const log = new EventLog(sb.pool, () => {});
    const [busyId, quietId] = [810000000000000001n, 810000000000000002n];
    let stop = false;
    const busy = (async () => {
      while (!stop) {
        for (let i = 0; i < 100; i++)
          log.emit({
            execution_id: busyId,
            catalog_id: 1n,
            event_type: 'call.done',
            node_name: 'busy',
            status: 'COMPLETED',
          });
        await sleep(1);
      }
    })();
    try {
      await sleep(200);
      for (let i = 0; i < 3; i++)
        log.emit({
          execution_id: quietId,
          catalog_id: 1n,
          event_type: 'step.exit',
          node_name: 'quiet',
          status: 'COMPLETED',
        });
      const ended = await Promise.race([
        log.drainExecution(quietId).then(() => 'drained'),
        sleep(15_000).then(() => 'held'),
      ]);
      expect(ended).toBe('drained');
      const { rows } = await sb.pool.query('SELECT count(*)::int AS n FROM noetl.event WHERE execution_id = $1', [
        quietId.toString(),
      ]);
      expect(rows[0].n).toBe(3); // all of its events committed before it may end
      // the whole log never drained meanwhile: waiting for it would have held the quiet execution
      expect(await Promise.race([log.drain().then(() => 'drained'), sleep(300).then(() => 'busy')])).toBe('busy');
    } finally {
      stop = true;
      await busy;
      await log.drain();
    }
  });
});
