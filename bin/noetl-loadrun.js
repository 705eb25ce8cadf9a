#!/usr/bin/env -S node --max-semi-space-size=4
// Runs the built CLI when dist/ exists and is current, else the TypeScript sources through tsx (no build
// step needed). In a clone, a dist/ older than the sources (left by `npm pack`, say) is not run: the
// sources are, with one line on stderr saying so.
import { existsSync, readdirSync, statSync } from 'node:fs';

// The shebang caps V8's young generation at 2 × 4 MB (its default grows to 2 × 16 MB while the modules load
// and stays there): about 24 MB less resident memory for a few more scavenges (BENCHMARKS.md §6); `npm start`
// passes the same flag.
// React's development build costs several times the CPU per frame; the tool runs the production build.
process.env.NODE_ENV ??= 'production';
import { fileURLToPath, pathToFileURL } from 'node:url';

const built = fileURLToPath(new URL('../dist/src/cli.js', import.meta.url));

/** The newest modification time under a folder of sources (0 when there is none: a packed install). */
function newestSource(dir) {
  if (!existsSync(dir)) return 0;
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = `${dir}/${e.name}`;
    newest = Math.max(newest, e.isDirectory() ? newestSource(p) : /\.tsx?$/.test(e.name) ? statSync(p).mtimeMs : 0);
  }
  return newest;
}

function builtIsCurrent() {
  if (!existsSync(built)) return false;
  const root = fileURLToPath(new URL('..', import.meta.url));
  const sources = Math.max(newestSource(`${root}src`), newestSource(`${root}components`));
  if (sources <= statSync(built).mtimeMs) return true;
  process.stderr.write(
    'noetl-loadrun: dist/ is older than the sources: running the sources (npm run build refreshes dist/)\n',
  );
  return false;
}

// NOETL_LOADRUN_FROM_SOURCE runs the sources where there are some (a clone; the tests set it, so they run the
// code being edited whatever dist/ npm install built); a packed install has none and runs dist/.
const sources = existsSync(fileURLToPath(new URL('../src/cli.ts', import.meta.url)));
let entry;
if (!(process.env.NOETL_LOADRUN_FROM_SOURCE && sources) && builtIsCurrent()) {
  entry = pathToFileURL(built).href;
} else {
  // The project's own tsconfig wherever the tool is started from: tsx reads the working folder's by
  // default, and without this one the components' JSX compiles to React.createElement ("React is not
  // defined"). Through the environment, the sandbox and every other child read it too.
  process.env.TSX_TSCONFIG_PATH ??= fileURLToPath(new URL('../tsconfig.json', import.meta.url));
  const { register } = await import('tsx/esm/api');
  register();
  entry = new URL('../src/cli.ts', import.meta.url).href;
}
const { main } = await import(entry);
await main();
// Exit explicitly: a stray handle (a keep-alive socket, a timer) must not keep the tool alive.
process.exit(process.exitCode ?? 0);
