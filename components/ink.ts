// The one door to Ink for components/: every component imports Ink from here. From the sources this is
// Ink as installed (its text measuring patched by a module hook, components/patches/width-cache.ts). In
// dist/, `npm run build` replaces this module with a bundle of Ink and the packages it imports
// (scripts/bundle-ink.ts): string-width is the remembering one (patches/width-memo.ts) from the start,
// so no module hook is needed, and `bundled` hands the frame patch the parts of Ink's build it reaches.
import type { InkParts } from './patches/ink-caches.js';

export * from 'ink';

/** What the bundle of Ink adds (dist/ only): the frame patch's parts and the switch of remembered widths. */
export interface InkBundle extends InkParts {
  rememberWidths(on: boolean): void;
  /** The remembered widths by the copy of string-width they stand for (tests). */
  rememberedWidths(): Map<string, Map<string, number>> | undefined;
}

/** Undefined from the sources; the bundle's parts in dist/. */
export const bundled: InkBundle | undefined = undefined;
