// Lossless JSON for 64-bit NoETL ids: integers beyond 2^53 parse to bigint (never a rounded number),
// and bigints stringify as exact JSON numbers.
import { isInteger, isSafeNumber, parse, stringify } from 'lossless-json';

export function parseJson(text: string): unknown {
  return parse(text, null, (s: string) => (isInteger(s) && !isSafeNumber(s) ? BigInt(s) : Number(s)));
}

export function stringifyJson(value: unknown, space?: number): string {
  return stringify(value, null, space) ?? 'null';
}

/** An id from a JSON body (number, bigint or string) as a decimal string; undefined if it is not one. */
export function idString(v: unknown): string | undefined {
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'number' && Number.isSafeInteger(v)) return String(v);
  if (typeof v === 'string' && /^\d+$/.test(v)) return v;
  return undefined;
}
