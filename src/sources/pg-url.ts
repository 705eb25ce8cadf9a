// A --pg-url checked and parsed (one line naming the flag when it is not a Postgres URL), without loading pg:
// option validation uses it before anything connects.
import { usageError } from '../errors.js';
import { redact } from '../redact.js';

export function parsePgUrl(url: string, flag: string): URL {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw usageError(
      `${flag} ${JSON.stringify(redact(url))} is not a valid URL`,
      'expected postgres://user:password@host:port/db',
    );
  }
  if (!/^postgres(ql)?:$/.test(u.protocol))
    throw usageError(`${flag} ${JSON.stringify(redact(url))} must start with postgres://`);
  return u;
}
