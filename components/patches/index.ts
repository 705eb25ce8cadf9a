// The patches of dependencies the TUI runs with, in one place, installed by one call (`installPatches()`,
// from loadTui() before Ink is imported):
// - string widths (width-memo.ts, with narrow.ts): Ink's text measuring goes through remembered widths,
//   by a module hook in front of string-width from the sources (width-cache.ts), built into the bundle of
//   Ink in dist/ (scripts/bundle-ink.ts, whose ink-bundle.json gives the versions it holds);
// - Ink's frame (ink-caches.ts, with ink-compose.ts): Ink's per-frame caches kept across frames and each
//   frame composed row by row, by replacing Output.prototype.get of Ink's build.
// Each applies only to the versions it was proven on (PINS): another version, or NOETL_LOADRUN_PATCHES=off,
// leaves Ink as it is, and the reason is kept (`patchStates()`) for summary.json's `observer.patches` and a
// line in the run's log. Removing them: delete this folder and its call in src/commands/tui.ts; the screen
// is the same, only slower (test/ink-caches.test.tsx compares frames with and without).
import { existsSync, readFileSync } from 'node:fs';
import type { PatchState } from '../../src/model.js';
import { keepInkCachesAcrossFrames } from './ink-caches.js';
import { inkPackageVersion } from './ink-packages.js';
import { rememberStringWidths } from './width-cache.js';

/** The versions each patch was proven on (package.json pins Ink; a packaged install may resolve others). */
export const PINS: Record<string, { packages: Record<string, RegExp> }> = {
  'string-widths': { packages: { ink: /^6\.8\.0$/, 'string-width': /^(7|8)\./ } },
  'ink-frame': { packages: { ink: /^6\.8\.0$/, '@alcalzone/ansi-tokenize': /^0\.2\.[45]$/ } },
};

/** The environment switch that turns every patch off. */
export const PATCHES_ENV = 'NOETL_LOADRUN_PATCHES';

/** Beside the bundle of Ink in dist/ (absent from the sources): the versions the bundle holds. */
const BUNDLE_INFO = new URL('../ink-bundle.json', import.meta.url);

let bundleInfo: { versions: Record<string, string> } | null | undefined;

/** The versions of the bundle of Ink that components/ink.js is (dist/), undefined from the sources. Read once. */
export function bundledVersions(): Record<string, string> | undefined {
  bundleInfo ??= existsSync(BUNDLE_INFO)
    ? (JSON.parse(readFileSync(BUNDLE_INFO, 'utf8')) as { versions: Record<string, string> })
    : null;
  return bundleInfo?.versions;
}

/**
 * The version of a package that runs: the one bundled (dist/), else the one resolved from Ink's own folder
 * (where Ink finds it), if installed.
 */
export function installedVersion(name: string): string | undefined {
  const bundledVersion = bundledVersions();
  if (bundledVersion) return bundledVersion[name];
  try {
    return inkPackageVersion(name);
  } catch {
    return undefined;
  }
}

/** Why a patch must stay off with these versions (undefined: it applies). */
export function versionMismatch(
  patch: string,
  versionOf: (name: string) => string | undefined = installedVersion,
): string | undefined {
  for (const [name, pin] of Object.entries(PINS[patch].packages)) {
    const v = versionOf(name);
    if (!v || !pin.test(v)) return `${name} ${v ?? 'not found'} is not the version it was proven on (${pin.source})`;
  }
  return undefined;
}

/** Per patch, why it must stay off (undefined: it applies): the environment switch, then the versions. */
export function decidePatches(
  env: NodeJS.ProcessEnv = process.env,
  versionOf: (name: string) => string | undefined = installedVersion,
): Record<string, string | undefined> {
  const off = env[PATCHES_ENV] === 'off' ? `${PATCHES_ENV}=off` : undefined;
  return Object.fromEntries(Object.keys(PINS).map((name) => [name, off ?? versionMismatch(name, versionOf)]));
}

let states: PatchState[] | null = null;

/** Installs every patch that applies; idempotent. Must run before Ink is first imported. */
export async function installPatches(): Promise<PatchState[]> {
  if (states) return states;
  const why = decidePatches();
  // dist/: the bundle measures through its remembering string-width once told to, and hands over Ink's parts.
  const bundle = bundledVersions() ? (await import('../ink.js')).bundled : undefined;
  bundle?.rememberWidths(!why['string-widths']);
  // A bundle holds a remembering string-width only where its build aliased one.
  const widthsOn = !why['string-widths'] && (bundle ? bundle.rememberedWidths() !== undefined : rememberStringWidths());
  const frameOn = !why['ink-frame'] && (await keepInkCachesAcrossFrames(bundle));
  states = [
    {
      name: 'string-widths',
      on: widthsOn,
      why:
        why['string-widths'] ??
        (widthsOn ? 'on' : bundle ? 'the bundle of Ink holds no remembering string-width' : 'no module hooks here'),
    },
    { name: 'ink-frame', on: frameOn, why: why['ink-frame'] ?? (frameOn ? 'on' : "Ink's build lacks a part it needs") },
  ];
  return states;
}

/** What installPatches() decided (null before it ran: a headless run never loads them). */
export const patchStates = (): PatchState[] | null => states;
