// A local echo endpoint compatible with httpbin's /anything/*: echoes method, url, headers, args, data
// and json as JSON with a Content-Length. It also hosts the sandbox's HTTP fault injection (emulation).
// The sandbox runs it on a thread of its own (startEchoThread): httpbin is another machine to NoETL, and
// on the server's thread its parsing and re-encoding of every large body was a sixth of the thread that
// the whole engine shares (issue 17, goal 4).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { workerEntry } from './node-args.js';

export interface EchoFaults {
  /** Share of requests (0..1) answered with `errorStatus` instead of the echo. */
  errorRate: number;
  errorStatus: number;
  /** Added latency per request in milliseconds. */
  latencyMs: number;
  /** Items (the body's item_id) answered with `errorStatus` every time: a failure that no retry heals. */
  failItems: number[];
  /** Items whose item_id is a multiple of this are never answered (0: none): the client times out. */
  hangEvery: number;
}

export interface EchoServer {
  url: string;
  port: number;
  faults: EchoFaults;
  stats: { requests: number; injectedErrors: number };
  close(): Promise<void>;
}

/** No injected errors and no added latency unless asked; an injected error is a 503. */
const withDefaults = (faults?: Partial<EchoFaults>): EchoFaults => ({
  errorRate: 0,
  errorStatus: 503,
  latencyMs: 0,
  failItems: [],
  hangEvery: 0,
  ...faults,
});

/** The body's item_id, when it has one. */
function itemOf(data: string): number | undefined {
  if (!data) return undefined;
  try {
    const id = Number((JSON.parse(data) as { item_id?: unknown }).item_id);
    return Number.isFinite(id) ? id : undefined;
  } catch {
    return undefined;
  }
}

function failsItem(items: number[], data: string): boolean {
  if (!items.length) return false;
  const id = itemOf(data);
  return id !== undefined && items.includes(id);
}

function hangs(every: number, data: string): boolean {
  if (every <= 0) return false;
  const id = itemOf(data);
  return id !== undefined && id > 0 && id % every === 0;
}

/** httpbin's /anything answer for one request. */
function echoBody(req: http.IncomingMessage, url: URL, data: string): Record<string, unknown> {
  let json: unknown = null;
  if (data) {
    try {
      json = JSON.parse(data);
    } catch {
      json = null;
    }
  }
  const headers: Record<string, string> = {};
  for (let i = 0; i < req.rawHeaders.length; i += 2) headers[titleCase(req.rawHeaders[i])] = req.rawHeaders[i + 1];
  const args: Record<string, string> = {};
  url.searchParams.forEach((v, k) => (args[k] = v));
  return {
    args,
    data,
    files: {},
    form: {},
    headers,
    json,
    method: req.method,
    origin: req.socket.remoteAddress ?? '127.0.0.1',
    url: url.toString(),
  };
}

/** A deterministic xorshift in [0, 1): the same run injects the same errors. */
function seededRandom(): () => number {
  let rng = 0x2545f491;
  return () => {
    rng ^= rng << 13;
    rng ^= rng >>> 17;
    rng ^= rng << 5;
    return ((rng >>> 0) % 1_000_000) / 1_000_000;
  };
}

export async function startEcho(
  host = '127.0.0.1',
  port = 0,
  faults?: Partial<EchoFaults>,
  onRequest?: (stats: EchoServer['stats']) => void,
): Promise<EchoServer> {
  const state = withDefaults(faults);
  const stats = { requests: 0, injectedErrors: 0 };
  const random = seededRandom();
  const reply = (req: http.IncomingMessage, res: http.ServerResponse, data: string) => {
    const url = new URL(req.url ?? '/', `http://${req.headers.host ?? 'localhost'}`);
    if (!url.pathname.startsWith('/anything'))
      return send(res, 404, { error: 'not found: the echo endpoint serves /anything/*' });
    // Never answered: the request stays open until the client gives up and closes it.
    if (hangs(state.hangEvery, data)) return;
    if ((state.errorRate > 0 && random() < state.errorRate) || failsItem(state.failItems, data)) {
      stats.injectedErrors++;
      onRequest?.(stats);
      return send(res, state.errorStatus, { error: 'injected by sandbox fault profile (emulation)' });
    }
    send(res, 200, echoBody(req, url, data));
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      stats.requests++;
      onRequest?.(stats);
      const data = Buffer.concat(chunks).toString('utf8');
      if (state.latencyMs > 0) setTimeout(() => reply(req, res, data), state.latencyMs);
      else reply(req, res, data);
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const actual = (server.address() as AddressInfo).port;
  const close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return { url: `http://${host}:${actual}/anything`, port: actual, faults: state, stats, close };
}

function titleCase(h: string): string {
  return h.replace(/(^|-)([a-z])/g, (_, d: string, c: string) => d + c.toUpperCase());
}

function send(res: http.ServerResponse, status: number, body: unknown): void {
  // Encoded once: measuring the string's UTF-8 length and then writing it would convert it twice.
  const bytes = Buffer.from(JSON.stringify(body));
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': bytes.length });
  res.end(bytes);
}

interface ThreadStart {
  echoThread: { host: string; port: number; faults?: Partial<EchoFaults> };
}
type FromThread =
  | { type: 'ready'; url: string; port: number }
  | { type: 'stats'; stats: EchoServer['stats'] }
  | { type: 'error'; message: string };

/**
 * The echo endpoint on a worker thread: the same server, its stats mirrored here after every request.
 * close() stops the server and ends the thread.
 */
export async function startEchoThread(host = '127.0.0.1', port = 0, faults?: Partial<EchoFaults>): Promise<EchoServer> {
  const { entry, eval: asCode } = workerEntry(new URL(import.meta.url));
  const worker = new Worker(entry, {
    eval: asCode,
    workerData: { echoThread: { host, port, faults } } satisfies ThreadStart,
  });
  const stats = { requests: 0, injectedErrors: 0 };
  const ended = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  const ready = await new Promise<{ url: string; port: number }>((resolve, reject) => {
    // Kept for the thread's life: an error event with no listener would throw in the server's thread.
    worker.on('error', reject);
    void ended.then(() => reject(new Error('the echo thread ended before it was listening')));
    worker.on('message', (m: FromThread) => {
      if (m.type === 'ready') resolve(m);
      else if (m.type === 'stats') Object.assign(stats, m.stats);
      else reject(new Error(`echo endpoint: ${m.message}`));
    });
  });
  return {
    url: ready.url,
    port: ready.port,
    faults: withDefaults(faults),
    stats,
    async close() {
      worker.postMessage('close');
      const timer = setTimeout(() => void worker.terminate(), 3000);
      await ended;
      clearTimeout(timer);
    },
  };
}

if (!isMainThread && (workerData as ThreadStart | undefined)?.echoThread) {
  const { host, port, faults } = (workerData as ThreadStart).echoThread;
  const post = (m: FromThread) => parentPort!.postMessage(m);
  startEcho(host, port, faults, (stats) => post({ type: 'stats', stats }))
    .then((echo) => {
      post({ type: 'ready', url: echo.url, port: echo.port });
      parentPort!.on('message', (m) => {
        if (m === 'close') void echo.close().then(() => parentPort!.close());
      });
    })
    .catch((err: Error) => post({ type: 'error', message: err.message }));
}
