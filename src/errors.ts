// Typed failures with the documented exit codes. Every message is one line that names the input or the
// thing that failed and what to do next; no stack trace ever reaches the user.

export const EXIT = {
  OK: 0,
  BREACHED: 1, // a run finished but breached: missing items, failures, stall or timeout
  USAGE: 2, // usage or bad input
  ENVIRONMENT: 3, // server, cluster or database unreachable
  INTERRUPTED: 130,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export class LoadrunError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode,
    readonly hint?: string,
  ) {
    super(message);
  }

  /** One line: the message and, when there is one, what to do next. */
  line(): string {
    return this.hint ? `${this.message} — ${this.hint}` : this.message;
  }
}

export const usageError = (message: string, hint?: string) => new LoadrunError(message, EXIT.USAGE, hint);
export const envError = (message: string, hint?: string) => new LoadrunError(message, EXIT.ENVIRONMENT, hint);

/** Flattens any thrown value to one line without a stack. */
export function oneLine(err: unknown): string {
  if (err instanceof LoadrunError) return err.line();
  const msg = err instanceof Error ? err.message : String(err);
  return msg
    .split('\n')
    .map((s) => s.trim())
    .filter(Boolean)
    .join(' ')
    .slice(0, 500);
}

/** The last `n` non-empty lines of a child process's output, trimmed, on one line: what an error quotes. */
export function lastLines(text: string, n = 1): string {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .slice(-n)
    .join(' | ');
}
