// The query endpoint as the tool calls it, against a real HTTP server on 127.0.0.1 recording the bodies.
import { describe, expect, it } from 'vitest';
describe('the query endpoint, as the tool calls it', () => {
  it('never sends a schema: the Rust server would SET search_path on a connection of its own pool (issue #38)', async () => {
    const { createServer } = await import('node:http');
    const { NoetlClient } = await import('../src/noetl/client.js');
    const bodies: Array<Record<string, unknown>> = [];
    const server = createServer((req, res) => {
      let b = '';
      req.on('data', (d) => (b += d));
      req.on('end', () => {
        bodies.push(JSON.parse(b || '{}'));
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ status: 'ok', result: [{ ok: 1 }] }));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const { port } = server.address() as { port: number };
      const client = new NoetlClient({ baseUrl: `http://127.0.0.1:${port}`, requestTimeoutMs: 2000 });
      await client.query('SELECT 1 AS ok');
      await client.queryPolicy();
      expect(bodies.length).toBeGreaterThanOrEqual(2);
      for (const b of bodies) {
        expect(b).not.toHaveProperty('schema');
        expect(b).not.toHaveProperty('db_schema');
      }
    } finally {
      server.close();
    }
  });
});
