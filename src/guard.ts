// The production guard: before a run sends anything to a cluster or server target, decide from the names
// alone (kube context, namespace, server URL) whether it looks like production. A headless run then
// refuses unless --yes; the TUI asks for the context's (or URL's) name typed back. The sandbox is never
// production; watch, diff, report, replay and compare launch nothing and never ask.
import { createInterface } from 'node:readline/promises';
import type { RunConfig } from './config.js';
import { usageError } from './errors.js';

export const DEFAULT_PROD_PATTERN = 'prod|production|live';

export interface GuardVerdict {
  /** What matched, e.g. `kube context "prod-eu"`; empty when nothing looks like production. */
  signals: string[];
  /** The name to type back to go on: the context, else the namespace, else the server URL. */
  confirmName: string | null;
  pattern: string;
}

/** The pattern as a case-insensitive regular expression; a bad one is a usage error. */
export function prodRegex(pattern: string): RegExp {
  try {
    return new RegExp(pattern, 'i');
  } catch (err) {
    throw usageError(
      `--prod-pattern ${JSON.stringify(pattern)} is not a regular expression: ${(err as Error).message}`,
    );
  }
}

/** The current kube context when none is given (kubectl config current-context; local, no request). */
async function contextOf(config: RunConfig): Promise<string | undefined> {
  if (!config.kube) return undefined;
  if (config.kube.context) return config.kube.context;
  const { Kubectl } = await import('./targets/cluster/kubectl.js');
  const k = new Kubectl({ bin: config.kube.bin, namespace: config.kube.namespace, kubeconfig: config.kube.kubeconfig });
  return (
    (await k.run(['config', 'current-context'], { namespaced: false, timeoutMs: 10_000 }).catch(() => '')).trim() ||
    undefined
  );
}

/** Judges the target's names against the pattern; the sandbox is never production. */
export async function judgeTarget(config: RunConfig, pattern = DEFAULT_PROD_PATTERN): Promise<GuardVerdict> {
  const re = prodRegex(pattern);
  const verdict: GuardVerdict = { signals: [], confirmName: null, pattern };
  if (config.target === 'sandbox' || config.watch) return verdict; // watch launches nothing
  const context = config.target === 'cluster' ? await contextOf(config) : undefined;
  const names: Array<[string, string | undefined]> = [
    ['kube context', context],
    ['namespace', config.target === 'cluster' ? config.kube?.namespace : undefined],
    ['server URL', config.serverUrl],
  ];
  for (const [what, name] of names)
    if (name && re.test(name)) {
      verdict.signals.push(`${what} ${JSON.stringify(name)}`);
      verdict.confirmName ??= name;
    }
  return verdict;
}

/** One line for --dry-run: whether the guard would ask, and why. */
export function guardLine(v: GuardVerdict): string {
  return v.signals.length
    ? `would ask: ${v.signals.join(', ')} match${v.signals.length === 1 ? 'es' : ''} ${v.pattern} (--yes skips the question)`
    : `no production signal (pattern ${v.pattern})`;
}

/**
 * Enforces the verdict before anything is sent: nothing to do without a signal or with --yes; headless
 * refuses (exit 2); on a terminal the name must be typed back exactly.
 */
export async function enforceGuard(v: GuardVerdict, o: { yes: boolean; interactive: boolean }): Promise<void> {
  if (!v.signals.length || o.yes) return;
  const what = v.signals.join(', ');
  if (!o.interactive)
    throw usageError(
      `${what} looks like production (pattern ${v.pattern}): nothing was sent`,
      'give --yes to load it anyway',
    );
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    process.stdout.write(`${what} looks like production (pattern ${v.pattern}).\n`);
    const typed = (
      await rl.question(`Type ${JSON.stringify(v.confirmName)} to load it, anything else to stop: `)
    ).trim();
    if (typed !== v.confirmName) throw usageError(`not confirmed: nothing was sent to ${v.confirmName}`);
  } finally {
    rl.close();
  }
}
