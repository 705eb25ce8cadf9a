// A loopback HTTP proxy in front of a real server that can answer 500 or hang, on command.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export type ProxyMode = 'pass' | 'error500' | 'hang';

export async function startFaultProxy(target: string) {
  const t = new URL(target);
  let mode: ProxyMode = 'pass';
  const counts = { pass: 0, error500: 0, hang: 0 };
  const hung = new Set<http.ServerResponse>();
  const listeners: Array<(req: http.IncomingMessage) => void> = [];
  let dropAnswer: RegExp | undefined; // forward the next matching request, then drop its answer
  let dropped = 0;
  const server = http.createServer((req, res) => {
    for (const l of listeners) l(req);
    counts[mode]++;
    if (mode === 'error500') {
      req.resume();
      res.writeHead(500, { 'content-type': 'application/json' });
      return res.end(JSON.stringify({ error: 'injected by the test proxy', status: 500 }));
    }
    if (mode === 'hang') {
      req.resume();
      hung.add(res);
      res.on('close', () => hung.delete(res));
      return; // never answers
    }
    const drop = dropAnswer?.test(req.url ?? '') ?? false;
    if (drop) dropAnswer = undefined;
    const up = http.request(
      { host: t.hostname, port: t.port, method: req.method, path: req.url, headers: req.headers },
      (r) => {
        if (drop) {
          dropped++;
          r.resume();
          r.on('end', () => req.socket.destroy()); // the server did the work; the client sees a reset
          return;
        }
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
      },
    );
    up.on('error', () => {
      res.writeHead(502);
      res.end();
    });
    req.pipe(up);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    counts,
    setMode(m: ProxyMode) {
      mode = m;
      if (m !== 'hang') for (const r of hung) r.destroy();
    },
    /** The next request whose path matches reaches the server, but its answer is dropped. */
    dropNextAnswer(path: RegExp) {
      dropAnswer = path;
    },
    get dropped() {
      return dropped;
    },
    onRequest(fn: (req: http.IncomingMessage) => void) {
      listeners.push(fn);
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const r of hung) r.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
