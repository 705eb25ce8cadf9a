// POST /api/postgres/execute as the real servers run it (noetl-contract §1.6): the statement on the
// server's own pool under a search_path, run the way the dialect's table says (Rust: one prepared
// statement, so several statements fail; keys sorted; the column types its decoder cannot read as null).
import pg from 'pg';
import type { DialectApi } from '../dialect.js';
import { parseJson } from '../../json.js';

function convert(v: string | null, oid: number, nullTypes: ReadonlySet<number>): unknown {
  if (v === null || nullTypes.has(oid)) return null;
  switch (oid) {
    case 20:
      return BigInt(v);
    case 21:
    case 23:
    case 700:
    case 701:
    case 1700:
      return Number(v);
    case 16:
      return v === 't';
    case 114:
    case 3802:
      return parseJson(v);
    case 1184:
      return new Date(v).toISOString();
    default:
      return v;
  }
}

export async function runQuery(
  pool: pg.Pool,
  sql: string,
  schema: string | undefined,
  how: DialectApi['query'],
): Promise<Record<string, unknown>[]> {
  const client = await pool.connect();
  try {
    // Only when asked, as both servers do (noetl/server src/handlers/database.rs 116-120; noetl 4.26.0
    // noetl/server/api/database/endpoint.py: optional, for unqualified names).
    if (schema)
      await client.query(
        `SET search_path TO ${schema
          .split(',')
          .map((s) => `"${s.trim().replace(/"/g, '""')}"`)
          .join(', ')}`,
      );
    const raw = (x: string) => x;
    const r = await client.query({
      text: sql,
      rowMode: 'array',
      types: { getTypeParser: () => raw },
      ...(how.extendedMode ? { queryMode: 'extended' } : {}),
    } as pg.QueryConfig);
    const results = (Array.isArray(r) ? r[r.length - 1] : r) as pg.QueryResult<unknown[]>;
    const fields = [...results.fields.keys()];
    if (how.sortColumns) fields.sort((a, b) => (results.fields[a].name < results.fields[b].name ? -1 : 1));
    return (results.rows ?? []).map((row) => {
      const out: Record<string, unknown> = {};
      for (const i of fields)
        out[results.fields[i].name] = convert(row[i] as string | null, results.fields[i].dataTypeID, how.nullTypes);
      return out;
    });
  } finally {
    await client.query('RESET search_path').catch(() => {});
    client.release();
  }
}
