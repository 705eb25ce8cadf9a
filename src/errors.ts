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

/** The candidate nearest to a mistyped word (at most two edits away, or a prefix of one), for "did you mean". */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  const dist = (a: string, b: string) => {
    const d = Array.from({ length: b.length + 1 }, (_, j) => j);
    for (let i = 1; i <= a.length; i++) {
      let prev = d[0];
      d[0] = i;
      for (let j = 1; j <= b.length; j++) {
        const t = d[j];
        d[j] = Math.min(d[j] + 1, d[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
        prev = t;
      }
    }
    return d[b.length];
  };
  const scored = candidates
    .map((c) => ({ c, d: c.startsWith(word) && word.length >= 3 ? 0.5 : dist(word, c) }))
    .sort((x, y) => x.d - y.d);
  return scored[0] && scored[0].d <= 2 ? scored[0].c : undefined;
}
