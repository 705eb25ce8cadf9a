// `npm run build`, after tsc (run through tsx): replaces dist/components/ink.js (the components' one door to Ink) with a
// bundle of Ink and every package it imports but React, made by esbuild. Two reasons:
// - Ink's text measuring gets the remembering string-width (components/patches/width-memo.ts) by an alias
//   here, so dist/ needs no module hook. On Node 20 a hook (module.register) runs every later import
//   through a thread of its own: about 12 MB more memory and about 0.4 s more to the first frame
//   (BENCHMARKS.md §6).
// - One file instead of some 500 modules to resolve and load at start-up.
// React stays outside (the components and Ink must share one React); the bundle's require() of it (from
// react-reconciler, a CommonJS package) resolves from dist/ like an import does. Beside the bundle,
// ink-bundle.json records the versions it holds, which the patches' version check reads
// (components/patches/index.ts).
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { PINS } from '../components/patches/index.js';
import { inkEntry, inkPackageVersion } from '../components/patches/ink-packages.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const OUT = path.join(ROOT, 'dist', 'components', 'ink.js');
const inkBuild = path.dirname(inkEntry());
const memoModule = path.join(ROOT, 'components', 'patches', 'width-memo.ts');

// The versions of every package a patch is pinned to, as Ink resolves them: what the bundle holds.
const pinned = [...new Set(Object.values(PINS).flatMap((pin) => Object.keys(pin.packages)))];
const versions = Object.fromEntries(pinned.map((name) => [name, inkPackageVersion(name) ?? 'not found']));
const widths: string[] = [];

// The entry: Ink as it exports itself, plus what components/ink.ts declares as `bundled`.
const entry = `
export * from 'ink';
import Output from 'ink-build:output.js';
import * as ansi from 'ink-package:@alcalzone/ansi-tokenize';
import { rememberWidths, rememberedWidths } from ${JSON.stringify(memoModule)};
export const bundled = { Output, ansi, rememberWidths, rememberedWidths };
`;

const plugin: esbuild.Plugin = {
  name: 'noetl-loadrun-ink',
  setup(build) {
    // Ink's own build files, which its package exports do not list.
    build.onResolve({ filter: /^ink-build:/ }, (a) => ({ path: path.join(inkBuild, a.path.slice(10)) }));
    // A package as Ink itself resolves it.
    build.onResolve({ filter: /^ink-package:/ }, (a) =>
      build.resolve(a.path.slice(12), { resolveDir: inkBuild, kind: a.kind }),
    );
    // Every copy of string-width, as imported by a package: the remembering one, wrapping that copy.
    build.onResolve({ filter: /^string-width$/ }, async (a) => {
      if (a.pluginData === 'real') return undefined;
      const real = await build.resolve('string-width', { resolveDir: a.resolveDir, kind: a.kind, pluginData: 'real' });
      return { path: real.path, namespace: 'remembering-width' };
    });
    build.onLoad({ filter: /.*/, namespace: 'remembering-width' }, (a) => {
      const key = path.relative(ROOT, a.path);
      if (!widths.includes(key)) widths.push(key);
      return {
        contents: [
          `import realWidth from ${JSON.stringify(a.path)};`,
          `import { rememberingWidth } from ${JSON.stringify(memoModule)};`,
          `export default rememberingWidth(realWidth, ${JSON.stringify(key)});`,
        ].join('\n'),
        resolveDir: ROOT,
        loader: 'js',
      };
    });
    // Ink loads its devtools (react-devtools-core, not installed) only when DEV=true; the bundle leaves
    // them out, and Ink says so the way it does when the package is missing.
    build.onResolve({ filter: /\/devtools\.js$/ }, (a) =>
      a.importer.startsWith(inkBuild) ? { path: 'devtools', namespace: 'no-devtools' } : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: 'no-devtools' }, () => ({
      contents: "throw new Error('the bundled Ink of noetl-loadrun leaves out react-devtools-core');",
      loader: 'js',
    }));
  },
};

await esbuild.build({
  stdin: { contents: entry, resolveDir: ROOT, sourcefile: 'ink-bundle-entry.js', loader: 'js' },
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  outfile: OUT,
  external: ['react'],
  banner: {
    js: "import { createRequire as bundleRequire } from 'node:module';\nconst require = bundleRequire(import.meta.url);",
  },
  logLevel: 'warning',
  plugins: [plugin],
});
writeFileSync(
  path.join(path.dirname(OUT), 'ink-bundle.json'),
  `${JSON.stringify({ versions, remembering_widths: widths, bundler: `esbuild ${esbuild.version}` }, null, 2)}\n`,
);
