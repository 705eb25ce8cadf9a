// The nats-server binary (Debian's package puts it in /usr/sbin, which a non-root PATH may lack).
import { existsSync } from 'node:fs';
import path from 'node:path';
import { envError } from '../errors.js';

export function natsBinary(): string {
  const dirs = [...(process.env.PATH ?? '').split(path.delimiter), '/usr/sbin', '/usr/local/sbin'];
  for (const d of dirs) {
    const p = path.join(d, 'nats-server');
    if (d && existsSync(p)) return p;
  }
  throw envError('nats-server not found: the legacy NoETL needs NATS JetStream', 'apt-get install nats-server');
}
