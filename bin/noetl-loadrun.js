#!/usr/bin/env node
// Runs the built CLI when dist/ exists, else the TypeScript sources through tsx (no build step needed).
import { existsSync } from 'node:fs';

// React's development build costs several times the CPU per frame; the tool runs the production build.
process.env.NODE_ENV ??= 'production';
import { fileURLToPath, pathToFileURL } from 'node:url';

const built = fileURLToPath(new URL('../dist/src/cli.js', import.meta.url));
let entry;
if (existsSync(built) && !process.env.NOETL_LOADRUN_FROM_SOURCE) {
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
