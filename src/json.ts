// Lossless JSON for 64-bit NoETL ids: integers beyond 2^53 parse to bigint (never a rounded number),
// and bigints stringify as exact JSON numbers.
import { isInteger, isSafeNumber, parse, stringify } from 'lossless-json';

/**
 * A number token that may be an integer beyond 2^53: sixteen or more digits right after the start, `:`,
 * `,` or `[` (every integer of at most fifteen digits is safe). A match inside a string is a false
 * alarm that only costs the slow parse; no unsafe integer can go unmatched.
 */
const MAYBE_UNSAFE_INTEGER = /(?:^|[:,[])\s*-?\d{16}/;

export function parseJson(text: string): unknown {
  // The Rust server's event projection sends ids as strings (noetl/server src/handlers/ehdb.rs): its pages
  // hold no number that JSON.parse could round, and JSON.parse reads them several times faster than the
  // lossless parser (the feed re-reads a trailing window of every execution on each poll).
  if (!MAYBE_UNSAFE_INTEGER.test(text)) return JSON.parse(text);
  return parse(text, null, (s: string) => (isInteger(s) && !isSafeNumber(s) ? BigInt(s) : Number(s)));
}

export function stringifyJson(value: unknown, space?: number): string {
  return stringify(value, null, space) ?? 'null';
}

const DIGITS = /^\d+$/;

/** An id from a JSON body (number, bigint or string) as a decimal string; undefined if it is not one. */
export function idString(v: unknown): string | undefined {
  if (typeof v === 'string') return DIGITS.test(v) ? v : undefined;
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'number' && Number.isSafeInteger(v)) return String(v);
  return undefined;
}
