// Whether a command gets the TUI, and the one place under src/ that loads it (components/, Ink). run, sweep
// and replay come here for it, so no command imports another for its screen.
/** The TUI, loaded here and nowhere else under src/ (a dynamic import: headless runs never load Ink). */
export async function loadTui() {
  // Before Ink is linked: the patches of Ink's text measuring and frame (components/patches/), where they apply.
  await (await import('../../components/patches/index.js')).installPatches();
  return import('../../components/run-tui.js');
}

function isCI(): boolean {
  const ci = process.env.CI;
  return ci !== undefined && ci !== '' && ci !== '0' && ci.toLowerCase() !== 'false';
}

/** The TUI needs a terminal on both ends (keys come from stdin in raw mode), no --json or --no-tui, no CI. */
export function wantsTui(o: { json?: boolean; tui?: boolean }): boolean {
  return !o.json && o.tui !== false && Boolean(process.stdout.isTTY) && Boolean(process.stdin.isTTY) && !isCI();
}
