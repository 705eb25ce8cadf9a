// kubectl as a child process (execa): every call has both kubectl's --request-timeout and a process
// timeout, never runs through a shell, and fails with kubectl's own last error line.
import { execa } from 'execa';
import { envError } from '../../errors.js';

export interface KubectlOptions {
  bin?: string;
  context?: string;
  namespace: string;
  kubeconfig?: string;
  requestTimeoutSeconds?: number;
}

export class KubectlError extends Error {
  constructor(
    message: string,
    readonly stderr: string,
    readonly notFound = false,
  ) {
    super(message);
  }
}

export class Kubectl {
  readonly bin: string;
  calls = 0;
  constructor(readonly o: KubectlOptions) {
    this.bin = o.bin ?? 'kubectl';
  }

  /** Global flags: context, kubeconfig and the request timeout (namespace is per command). */
  globalArgs(): string[] {
    const a: string[] = [];
    if (this.o.kubeconfig) a.push('--kubeconfig', this.o.kubeconfig);
    if (this.o.context) a.push('--context', this.o.context);
    return a;
  }

  requestTimeout(): string {
    return `${this.o.requestTimeoutSeconds ?? 10}s`;
  }

  /** Runs one kubectl command; rejects with kubectl's last stderr line. */
  async run(args: string[], o: { namespaced?: boolean; timeoutMs?: number } = {}): Promise<string> {
    this.calls++;
    const full = [
      ...this.globalArgs(),
      ...(o.namespaced === false ? [] : ['-n', this.o.namespace]),
      '--request-timeout',
      this.requestTimeout(),
      ...args,
    ];
    const timeout = o.timeoutMs ?? ((this.o.requestTimeoutSeconds ?? 10) * 2 + 5) * 1000;
    const r = await execa(this.bin, full, {
      reject: false,
      timeout,
      stdin: 'ignore',
      env: { KUBECTL_EXTERNAL_DIFF: '' },
    });
    if (
      (r as { code?: string }).code === 'ENOENT' ||
      (r.failed && r.exitCode === undefined && /ENOENT/.test(String(r.message)))
    ) {
      throw new KubectlError(`${this.bin} not found on PATH`, '', false);
    }
    if (r.timedOut)
      throw new KubectlError(
        `kubectl ${args[0]} timed out after ${Math.round(timeout / 1000)} s`,
        String(r.stderr ?? ''),
      );
    if (r.exitCode !== 0) {
      const stderr = String(r.stderr ?? '');
      const last =
        stderr
          .split('\n')
          .map((l) => l.trim())
          .filter(Boolean)
          .pop() ?? `exit code ${r.exitCode}`;
      throw new KubectlError(last.replace(/^error: /i, ''), stderr, /NotFound|not found/i.test(stderr));
    }
    return String(r.stdout ?? '');
  }

  async json<T = Record<string, unknown>>(
    args: string[],
    o: { namespaced?: boolean; timeoutMs?: number } = {},
  ): Promise<T> {
    const out = await this.run([...args, '-o', 'json'], o);
    try {
      return JSON.parse(out) as T;
    } catch {
      throw envError(`kubectl ${args.join(' ')} printed something that is not JSON`);
    }
  }
}
