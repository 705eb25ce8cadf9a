// Pods sampled on their own interval beside the observation (and the tool itself), with one sample more at
// the end.
import { oneLine } from '../errors.js';
import { selfSample, type PodsSource } from '../sources/pods.js';
import { sleep } from './sleep.js';
import type { RunStore } from './store.js';

/** Samples pods (and the tool itself) until the returned stop function is awaited. */
export function samplePods(store: RunStore, pods: PodsSource | undefined, signal: AbortSignal): () => Promise<void> {
  if (!pods) return async () => {};
  // Stopping ends the wait between samples at once (the run's end should not wait a pods interval).
  const stop = new AbortController();
  const both = AbortSignal.any([signal, stop.signal]);
  const loop = (async () => {
    while (!both.aborted) {
      try {
        for (const s of await pods.sample()) store.recordPod(s);
        store.recordPod(selfSample());
        for (const p of pods.profile?.() ?? []) store.setProfile(p);
      } catch (err) {
        store.setNotes({ pods: `pods source error: ${oneLine(err)}` });
      }
      await sleep(pods.intervalMs, both);
    }
  })();
  return async () => {
    stop.abort();
    await loop;
    // One more sample at the end: a run shorter than the interval still has two, so its CPU-seconds are
    // measured (a 3-item sweep cell on the real engine ended before its second sample).
    if (!signal.aborted)
      await pods
        .sample()
        .then((samples) => samples.forEach((p) => store.recordPod(p)))
        .catch(() => {});
  };
}
