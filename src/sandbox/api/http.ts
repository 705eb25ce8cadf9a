// The sandbox API's HTTP plumbing: reading a body under a size limit and writing JSON (the errors that
// carry a status live in ../http-error.ts, shared with the dialect tables).
import type http from 'node:http';
import { stringifyJson } from '../../json.js';

import { HttpError } from '../http-error.js';

export { HttpError, HttpErrorDetail } from '../http-error.js';

export type Req = http.IncomingMessage;
export type Res = http.ServerResponse;

export function send(res: Res, status: number, body: unknown): void {
  const text = stringifyJson(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

export function sendPlain(res: Res, status: number, text: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' });
  res.end(text);
}

export function readBody(req: Req, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        reject(new HttpError(413, 'Failed to buffer the request body: length limit exceeded', true));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

export function pagination(page: number, size: number, total: number) {
  const pages = Math.max(1, Math.ceil(total / size));
  return { page, page_size: size, total_events: total, total_pages: pages, has_next: page < pages, has_prev: page > 1 };
}
