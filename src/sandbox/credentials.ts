// The sandbox's credentials, as a NoETL server keeps them: rows of noetl.credential, served by
// GET /api/credentials/{name}, and resolved by the postgres tool's `auth:` to a connection of its own.
// The fixture's `pg_k8s` points at the data database (demo_noetl), not at the NoETL system database
// (noetl-contract §6.1), so the sandbox keeps the two apart as a real deployment does.
import pg from 'pg';
import { ToolError } from './tools.js';

export interface PostgresCredential {
  db_host: string;
  db_port: string;
  db_user: string;
  db_password: string;
  db_name: string;
}

export interface CredentialRow {
  id: bigint;
  name: string;
  type: string;
  data: PostgresCredential;
  createdAt: Date;
}

export const CREDENTIAL_SQL = `
CREATE TABLE IF NOT EXISTS noetl.credential (
  id BIGINT PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  type TEXT NOT NULL,
  data JSONB NOT NULL,
  created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);`;

export function credentialFromUrl(url: string): PostgresCredential {
  const u = new URL(url);
  return {
    db_host: u.hostname,
    db_port: u.port || '5432',
    db_user: decodeURIComponent(u.username),
    db_password: decodeURIComponent(u.password),
    db_name: u.pathname.replace(/^\//, ''),
  };
}

export class Credentials {
  private readonly rows = new Map<string, CredentialRow>();
  private readonly pools = new Map<string, pg.Pool>();

  constructor(
    private readonly system: pg.Pool,
    private readonly newId: () => bigint,
  ) {}

  async register(name: string, data: PostgresCredential): Promise<void> {
    const row: CredentialRow = { id: this.newId(), name, type: 'postgres', data, createdAt: new Date() };
    await this.system.query(
      'INSERT INTO noetl.credential (id, name, type, data) VALUES ($1,$2,$3,$4) ON CONFLICT (name) DO UPDATE SET data = EXCLUDED.data',
      [row.id.toString(), name, row.type, JSON.stringify(data)],
    );
    this.rows.set(name, row);
  }

  get(name: string): CredentialRow | undefined {
    return this.rows.get(name);
  }

  /** The pool a postgres tool with `auth: <name>` uses. */
  pool(name: string): pg.Pool {
    const row = this.rows.get(name);
    if (!row) throw new ToolError(`postgres: credential '${name}' not found`);
    let pool = this.pools.get(name);
    if (!pool) {
      const d = row.data;
      pool = new pg.Pool({
        host: d.db_host,
        port: Number(d.db_port),
        user: d.db_user,
        password: d.db_password,
        database: d.db_name,
        max: 30,
      });
      pool.on('error', () => {});
      this.pools.set(name, pool);
    }
    return pool;
  }

  async close(): Promise<void> {
    await Promise.all([...this.pools.values()].map((p) => p.end().catch(() => {})));
  }
}
