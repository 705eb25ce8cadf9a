// A result over the context budget: stored in noetl.result_store and carried in the event by reference,
// with a few small scalar fields beside it, like the worker's `extracted` block.
import { createHash } from 'node:crypto';
import type pg from 'pg';
import { STAGES } from './stages.js';

/** jsonb_recv's format version, before the JSON text of a binary parameter (Postgres jsonb.c). */
const JSONB_BINARY_VERSION = Buffer.from([1]);

/** Small scalar fields kept beside a reference, like the worker's `extracted` block. */
function extract(value: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) {
      if (v === null || typeof v === 'number' || typeof v === 'boolean' || (typeof v === 'string' && v.length <= 200))
        out[k] = v;
    }
  }
  return out;
}

export interface LargeResult {
  ref: string;
  executionId: bigint;
  step: string;
  value: unknown;
  /** The value's UTF-8 JSON, encoded once by the caller. */
  encoded: Buffer;
}

/** Stores the result and returns the call's inner result: `{status, reference}`. */
export async function storeByReference(pool: pg.Pool, r: LargeResult): Promise<Record<string, unknown>> {
  const bytes = r.encoded.length;
  const sha256 = STAGES.timeSync('result JSON encoding', () => createHash('sha256').update(r.encoded).digest('hex'));
  // jsonb's binary input is a version byte (1) and the JSON text: the bytes go as they are, where a
  // string parameter would be decoded here and encoded again by pg.
  const data = Buffer.concat([JSONB_BINARY_VERSION, r.encoded]);
  await STAGES.time('result store write', () =>
    pool.query(
      'INSERT INTO noetl.result_store (ref, execution_id, step, data, bytes, sha256) VALUES ($1,$2,$3,$4,$5,$6) ON CONFLICT (ref) DO NOTHING',
      [r.ref, r.executionId.toString(), r.step, data, bytes, sha256],
    ),
  );
  return {
    status: 'success',
    reference: {
      kind: 'result_ref',
      ref: r.ref,
      store: 'postgres',
      scope: 'execution',
      meta: { bytes, sha256, media_type: 'application/json', content_type: 'application/json' },
      extracted: extract(r.value),
    },
  };
}
