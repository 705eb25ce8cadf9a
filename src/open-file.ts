// --open: a report (report.html, compare.html) opened in the user's browser when there is a display to
// open it on, through the platform's opener (xdg-open, open, start), detached so the tool exits at once;
// otherwise the file's path, said once. Nothing waits on the browser.
import { spawn } from 'node:child_process';
import path from 'node:path';

const OPENERS: Partial<Record<NodeJS.Platform, [string, string[]]>> = {
  darwin: ['open', []],
  win32: ['cmd', ['/c', 'start', '""']],
};

/** Whether a browser can be shown: macOS and Windows always; elsewhere an X or Wayland display. */
export function hasDisplay(env: NodeJS.ProcessEnv = process.env, platform = process.platform): boolean {
  return platform === 'darwin' || platform === 'win32' || Boolean(env.DISPLAY || env.WAYLAND_DISPLAY);
}

/** Opens `file` in the browser when it can; returns the line to print either way. */
export function openInBrowser(file: string): string {
  const full = path.resolve(file);
  if (!hasDisplay()) return `${full} (no display to open it on)`;
  const [cmd, args] = OPENERS[process.platform] ?? ['xdg-open', []];
  try {
    const child = spawn(cmd, [...args, full], { detached: true, stdio: 'ignore' });
    child.on('error', () => {}); // no opener installed: the path below is still printed
    child.unref();
    return `opening ${full}`;
  } catch {
    return `${full} (could not start ${cmd})`;
  }
}
