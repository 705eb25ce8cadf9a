// How every full-screen view is handed to Ink (run, replay, sweep, and the bench's App samples).
//
// FRAME_MS is the one cadence of the live screen: the store is sampled into React this often, and every
// sample that changed is drawn. Measured (BENCHMARKS.md §1): with 100 ms samples under Ink's 100 ms
// throttle, Ink drew only every other commit, so half of the React and layout work never reached the
// screen; samples at the drawn cadence do the same screen for that half less.
export const FRAME_MS = 200;

// maxFps stays above the sample rate, so a sample is drawn at once and a key press between two samples is
// not held back. Ink 6.8's incrementalRendering (rewrite only the changed lines) is left off: on a real
// run it left stale lines of the live frame on the final screen (test/tui-e2e.test.ts pins the final frame).
export const INK_OPTIONS = { exitOnCtrlC: false, maxFps: 10, patchConsole: false } as const;
