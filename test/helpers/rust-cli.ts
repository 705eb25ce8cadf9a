// The real Rust CLI: PyPI `noetl` 5.x (noetl-contract §7.11), in a venv of its own under the cache folder
// (the same package name as the legacy engine). Installed on first use: one 8 MB wheel, a few seconds.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { ensureVenv, type Venv } from '../../src/local-noetl/venv.js';

/** The release the checks run: its SBOM lists noetl-tools 4.2.0 and noetl-executor 0.13.2. */
export const RUST_CLI_VERSION = '5.3.2';

export const rustCliVenv = (): Promise<Venv> => ensureVenv({ version: RUST_CLI_VERSION });

/** The `noetl` command of that venv. */
export const rustCliBin = (venv: Venv): string => path.join(venv.dir, 'bin', 'noetl');

const exec = promisify(execFile);

/** Runs the CLI with args; never throws on a non-zero exit (the answer is the result). */
export async function rustCli(
  venv: Venv,
  args: string[],
  timeoutMs = 30_000,
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await exec(rustCliBin(venv), args, { timeout: timeoutMs, env: { ...process.env, NO_COLOR: '1' } });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}
