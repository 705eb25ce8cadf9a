// Whether the screen may use colour, as no-color.org and chalk mean it: --no-color wins, then
// FORCE_COLOR (0 off, 1-3 on), then a non-empty NO_COLOR turns colour off. Applied before Ink (and so
// chalk) is loaded, through FORCE_COLOR, which chalk reads at import.
export function colorEnabled(flag: boolean | undefined, env: NodeJS.ProcessEnv): boolean {
  if (flag === false) return false;
  if (env.FORCE_COLOR !== undefined) return env.FORCE_COLOR !== '0' && env.FORCE_COLOR !== 'false';
  return !env.NO_COLOR;
}

export function applyColor(flag: boolean | undefined, env: NodeJS.ProcessEnv = process.env): void {
  if (!colorEnabled(flag, env)) env.FORCE_COLOR = '0';
}
