// Child process groups this process started (a sandbox, a port-forward, a local NoETL's server, worker and
// NATS): each in its own group, so Ctrl-C in the terminal reaches only us and a group is killed whole,
// grandchildren included. Groups still alive when this process exits are killed then, as a last resort.

const live = new Set<number>();
let hooked = false;

/** Signals a whole process group; a group that is gone is not an error. */
export function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (!pid) return;
  try {
    process.kill(-pid, signal);
  } catch {
    /* gone */
  }
}

/** Remembers a group to kill at exit; returns the function that forgets it. */
export function trackGroup(pid: number | undefined): () => void {
  if (!pid) return () => {};
  if (!hooked) {
    hooked = true;
    process.once('exit', () => {
      for (const p of live) killGroup(p, 'SIGKILL');
    });
  }
  live.add(pid);
  return () => live.delete(pid);
}
