// JSON as UTF-8 bytes, with large values encoded once (issue 17, goal 4). An item of the fixture carries
// the same large objects through several hands: the http tool's result goes to the result store (its
// `data` and `body` are one object on the Rust engine, serialised twice), then, with the first python
// tool's result, into the next python call's input. Each JSON.stringify of them escaped the echoed body
// again and each write encoded it to UTF-8 again: the largest part of the sandbox's own CPU per item.
//
// `jsonBytes(v)` gives exactly the bytes of `Buffer.from(JSON.stringify(v))`. For a plain object it
// encodes member by member and remembers, by identity, every member that came out large; a later
// object holding the same member takes its bytes as they are. The engine never edits a tool's result
// after the tool returned it (results are stored and passed on), which is what makes the memo sound;
// only large plain objects are remembered (never arrays), so small bookkeeping objects and lists the
// engine is still filling are always encoded afresh.

/** Members whose JSON is at least this long are remembered. */
export const REMEMBER_FROM = 16 * 1024;

const remembered = new WeakMap<object, Buffer>();
const OPEN = Buffer.from('{');
const COMMA = Buffer.from(',');
const CLOSE = Buffer.from('}');

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return (proto === Object.prototype || proto === null) && typeof (v as { toJSON?: unknown }).toJSON !== 'function';
}

/** One value's JSON: remembered bytes, or encoded now (and remembered when large); undefined as JSON.stringify skips it. */
function member(v: unknown): Buffer | undefined {
  if (v !== null && typeof v === 'object') {
    const known = remembered.get(v);
    if (known) return known;
  }
  const text = JSON.stringify(v) as string | undefined;
  if (text === undefined) return undefined;
  const bytes = Buffer.from(text);
  // Objects only: the engine fills arrays (a loop's results) while other code can already read them.
  if (isPlainObject(v) && text.length >= REMEMBER_FROM) remembered.set(v, bytes);
  return bytes;
}

/** `Buffer.from(JSON.stringify(value))`, large members of a plain object reused from earlier encodings. */
export function jsonBytes(value: unknown): Buffer {
  if (!isPlainObject(value)) return member(value) ?? Buffer.from('null');
  const known = remembered.get(value);
  if (known) return known;
  const parts: Buffer[] = [OPEN];
  for (const key of Object.keys(value)) {
    const bytes = member(value[key]);
    if (bytes === undefined) continue;
    if (parts.length > 1) parts.push(COMMA);
    parts.push(Buffer.from(`${JSON.stringify(key)}:`), bytes);
  }
  parts.push(CLOSE);
  const out = Buffer.concat(parts);
  if (out.length >= REMEMBER_FROM) remembered.set(value, out);
  return out;
}
