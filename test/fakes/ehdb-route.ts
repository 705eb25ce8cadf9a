// A FAKE of the Rust server's per-execution events route, for what cannot run here (the Rust server):
// `GET /api/ehdb/executions/{id}/events?after&limit`, answered from a real noetl.event table with the query
// the server runs (noetl/server src/services/execution.rs `ehdb_events_by_execution`, d9ec700: event_id,
// event_type, node_name, status, created_at AT TIME ZONE 'UTC'; event_id > after ASC; limit clamped to
// 1..1000 in src/handlers/ehdb.rs) and its body shape (ids as strings, no result/context bodies). With
// `absent` it answers 404, as a server with no such route does. Loopback only.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type pg from 'pg';

export interface FakeEhdb {
  url: string;
  close(): Promise<void>;
}

export async function fakeEhdbRoute(pool: pg.Pool, o: { absent?: boolean } = {}): Promise<FakeEhdb> {
  const server = http.createServer((req, res) => {
    const u = new URL(req.url ?? '/', 'http://x');
    const m = /^\/api\/ehdb\/executions\/(\d+)\/events$/.exec(u.pathname);
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (!m || o.absent) return send(404, { error: 'not found' });
    const limit = Math.min(1000, Math.max(1, Number(u.searchParams.get('limit') ?? 100)));
    const after = u.searchParams.get('after');
    pool
      .query(
        `SELECT event_id::text, event_type, node_name, status,
           to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS created_at
         FROM noetl.event WHERE execution_id = $1 AND ($2::bigint IS NULL OR event_id > $2)
         ORDER BY event_id ASC LIMIT $3`,
        [m[1], after, limit],
      )
      .then((r) => {
        const events = r.rows.map((e) => ({ ...e, execution_id: m[1] }));
        send(200, { action: 'ehdb.execution.events', tier: 'projection', execution_id: m[1], events });
      })
      .catch((err: Error) => send(500, { error: err.message }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
