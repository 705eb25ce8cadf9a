// Secrets never leave the process: every string that is shown, logged or written passes through here.
const secrets = new Set<string>();

/** Registers a value (a password, a token) that must never be printed or written. */
export function registerSecret(value: string | undefined | null): void {
  if (value && value.length >= 4) secrets.add(value);
}

export function redact(text: string): string {
  // The URL scan runs only where a URL with a user part can be (most event records have neither).
  let out =
    text.includes('://') && text.includes('@')
      ? text.replace(/([a-z][a-z0-9+.-]*:\/\/[^:/@\s"']+):[^@\s"']*@/gi, '$1:****@')
      : text;
  for (const s of secrets) if (out.includes(s)) out = out.split(s).join('****');
  return out;
}
