// The event feed against a real noetl.event table (the embedded Postgres) and a fake of the Rust server's
// events route (test/fakes/ehdb-route.ts, the server's own query): every event once, each fetched once,
// late commits caught (an id minted before its insert commits: noetl-contract §6.4), including ids
// committed out of order while the run ends, 20 times over, in each of the feed's three ways of reading.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NoetlEvent } from '../src/model.js';
import { NoetlClient } from '../src/noetl/client.js';
import { startEmbeddedPg, type EmbeddedPg } from '../src/sandbox/embedded-pg.js';
import { SCHEMA_SQL } from '../src/sandbox/event-log.js';
import { EventFeed } from '../src/sources/event-feed.js';
import { RowsSource } from '../src/sources/rows.js';
import { DirectSql } from '../src/sources/sql-runner.js';
import { fakeEhdbRoute, type FakeEhdb } from './fakes/ehdb-route.js';
import { seeded } from './helpers/random.js';

let db: EmbeddedPg;
let pool: pg.Pool;
let sql: DirectSql;
let route: FakeEhdb;
let noRoute: FakeEhdb;
let nextId = 7_000_000_000_000_000n;
let nextExec = 900_000_000_000n;
const mint = () => String(nextId++);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  db = await startEmbeddedPg();
  pool = new pg.Pool({ connectionString: db.url, max: 12 });
  pool.on('error', () => {}); // idle clients see the server stop in afterAll
  await pool.query(SCHEMA_SQL);
  sql = new DirectSql(db.url);
  route = await fakeEhdbRoute(pool);
  noRoute = await fakeEhdbRoute(pool, { absent: true });
}, 120_000);
afterAll(async () => {
  await route?.close();
  await noRoute?.close();
  await sql?.close();
  await pool?.end();
  await db?.stop();
});

type Way = 'count' | 're-read' | 'sql';

function feedFor(way: Way, windowMs: number, warn: (line: string) => void = () => {}): EventFeed {
  const client = new NoetlClient({ baseUrl: way === 'sql' ? noRoute.url : route.url });
  client.dialect = 'rust';
  return new EventFeed(client, new RowsSource(sql, way === 're-read' ? undefined : sql), warn, windowMs);
}

const insert = (exec: string, id: string, type: string) =>
  pool.query(
    `INSERT INTO noetl.event (execution_id, catalog_id, event_id, event_type, node_name, status)
     VALUES ($1, 1, $2, $3, 'run_direct_stress', 'COMPLETED')`,
    [exec, id, type],
  );

/**
 * One execution's events, minted every 20 ms; a third of them (and the five before the terminal event)
 * commit up to `lateMs` after they were minted, after later ids; the terminal event commits at once.
 * The feed polls every 150 ms until it is settled.
 */
async function scenario(feed: EventFeed, seed: number, n = 40, lateMs = 1500) {
  const rand = seeded(seed);
  const exec = String(nextExec++);
  const ids: string[] = [];
  const commits: Promise<unknown>[] = [];
  const writer = (async () => {
    for (let i = 0; i < n; i++) {
      const id = mint();
      ids.push(id);
      const last = i === n - 1;
      const late = !last && (i >= n - 6 || rand(3) === 0);
      const delay = late ? 100 + rand(lateMs - 100) : 0;
      commits.push(sleep(delay).then(() => insert(exec, id, last ? 'playbook.completed' : 'call.done')));
      await sleep(20);
    }
    await Promise.all(commits);
  })();
  let written = false;
  void writer.then(() => (written = true));
  const got: NoetlEvent[] = [];
  const deadline = Date.now() + 30_000;
  while (!(written && feed.settled([exec])) && Date.now() < deadline) {
    got.push(...(await feed.pull(exec, [exec])));
    await sleep(150);
  }
  await writer;
  return { exec, ids, got: got.map((e) => e.eventId), settled: feed.settled([exec]) };
}

describe.each<Way>(['count', 're-read', 'sql'])('EventFeed, %s', (way) => {
  it('loses no late commit and forwards none twice, 20 runs with ids committed out of order at the end', async () => {
    const feeds = Array.from({ length: 20 }, () => feedFor(way, 2000));
    const runs = await Promise.all(feeds.map((f, i) => scenario(f, 1000 + i)));
    for (const r of runs) {
      expect(r.settled).toBe(true);
      expect(new Set(r.got).size).toBe(r.got.length);
      expect([...r.got].sort()).toEqual([...r.ids].sort());
    }
    // The last count finds nothing unread (and cannot count without a system database).
    await Promise.all(feeds.map((f, i) => f.confirmAtEnd([{ group: runs[i].exec, ids: [runs[i].exec] }])));
    const figures = feeds.map((f) => f.figures());
    for (const f of figures) expect(f.unread_at_end).toBe(way === 're-read' ? null : 0);
    expect(figures.every((f) => f.window_check === (way === 're-read' ? 're-read' : 'count'))).toBe(true);
    if (way !== 're-read') {
      // Late commits were there to find, found by the count, and every event was fetched exactly once.
      expect(figures.reduce((s, f) => s + f.late, 0)).toBeGreaterThan(20);
      for (const f of figures) expect(f.events_read).toBe(f.events);
    }
  }, 90_000);
  it('an event committed after the feed left an ended execution is read by the last count', async () => {
    // As the legacy engine 4.26.0 did here: its batch.completed committed after playbook.completed, later
    // than the trailing window, with a higher id.
    const exec = String(nextExec++);
    await insert(exec, mint(), 'call.done');
    await insert(exec, mint(), 'playbook.completed');
    const feed = feedFor(way, 300);
    expect(await feed.pull(exec, [exec])).toHaveLength(2);
    await sleep(350);
    expect(feed.settled([exec])).toBe(true);
    const after = mint();
    await insert(exec, after, 'batch.completed');
    const pulled = await feed.pull(exec, [exec]);
    const found = await feed.confirmAtEnd([{ group: exec, ids: [exec] }]);
    if (way === 'sql') {
      // The SQL feed reads its group by cursor whether or not it ended: the event came with the pull.
      expect(pulled.map((e) => e.eventId)).toEqual([after]);
      expect(found).toEqual([]);
      expect(feed.figures().unread_at_end).toBe(0);
      return;
    }
    expect(pulled).toEqual([]); // the route's feed left the execution: no longer read
    if (way === 're-read') {
      expect(found).toEqual([]); // no system database to count with
      expect(feed.figures().unread_at_end).toBeNull();
    } else {
      expect(found.map((f) => [f.group, f.events.map((e) => [e.eventId, e.type])])).toEqual([
        [exec, [[after, 'batch.completed']]],
      ]);
      expect(feed.figures()).toMatchObject({ unread_at_end: 0, events: 3 });
    }
  });
});

describe('EventFeed, reads per event', () => {
  it('fetches each event once in a quiet trailing window, where re-reading fetches it again every poll', async () => {
    const quiet = async (way: Way) => {
      const exec = String(nextExec++);
      for (let i = 0; i < 30; i++) await insert(exec, mint(), 'call.done');
      const feed = feedFor(way, 1000);
      let forwarded = 0;
      for (let i = 0; i < 8; i++) {
        forwarded += (await feed.pull(exec, [exec])).length;
        await sleep(100);
      }
      return { forwarded, ...feed.figures() };
    };
    const counted = await quiet('count');
    expect(counted).toMatchObject({ forwarded: 30, events: 30, events_read: 30, probe_reads: 0, late: 0 });
    expect(counted.probes).toBeGreaterThanOrEqual(7);
    expect(counted.bytes_used).toBeGreaterThan(0);
    const reread = await quiet('re-read');
    expect(reread.forwarded).toBe(30);
    expect(reread.events_read).toBeGreaterThanOrEqual(30 * 7);
  }, 60_000);

  it('a new feed (the tool restarted) reads every event again, once', async () => {
    const exec = String(nextExec++);
    for (let i = 0; i < 12; i++) await insert(exec, mint(), 'call.done');
    for (const feed of [feedFor('count', 1000), feedFor('count', 1000)]) {
      expect((await feed.pull(exec, [exec])).length).toBe(12);
      expect((await feed.pull(exec, [exec])).length).toBe(0);
    }
  });

  it('an event committed after its neighbours left the window is below the floor: the window is the bound', async () => {
    const exec = String(nextExec++);
    const early = mint();
    const late = mint();
    await insert(exec, early, 'call.done');
    const said: string[] = [];
    const feed = feedFor('count', 300, (line) => said.push(line));
    await insert(exec, mint(), 'call.done');
    expect((await feed.pull(exec, [exec])).length).toBe(2);
    await sleep(350);
    await feed.pull(exec, [exec]); // the window empties: the floor passes `late`'s place
    await insert(exec, late, 'call.done');
    expect(await feed.pull(exec, [exec])).toEqual([]);
    // Lost, but not silently: the last count says so.
    await feed.confirmAtEnd([{ group: exec, ids: [exec] }]);
    expect(feed.figures().unread_at_end).toBe(1);
    expect(said).toEqual([
      expect.stringMatching(new RegExp(`^1 event\\(s\\) of ${exec} committed later than the trailing window`)),
    ]);
    // Within the window the same commit is found.
    const feed2 = feedFor('count', 5000);
    const exec2 = String(nextExec++);
    const [a, b, c] = [mint(), mint(), mint()];
    await insert(exec2, a, 'call.done');
    await insert(exec2, c, 'call.done');
    expect((await feed2.pull(exec2, [exec2])).map((e) => e.eventId)).toEqual([a, c]);
    await insert(exec2, b, 'call.done');
    expect((await feed2.pull(exec2, [exec2])).map((e) => e.eventId)).toEqual([b]);
    expect(feed2.figures()).toMatchObject({ late: 1, events_read: 3 });
  });
});
