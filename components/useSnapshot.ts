// Samples the store into React every FRAME_MS (and at least once a second for the clock): the store
// takes every event outside React, the screen only ever sees bounded snapshots. Once the run finished
// nothing redraws the screen but a change.
import { useEffect, useState } from 'react';
import type { Snapshot, SnapshotSource } from '../src/model.js';
import { FRAME_MS } from './ink-options.js';

export function useSnapshot<T = Snapshot>(
  store: { snapshot(): T; subscribe: SnapshotSource['subscribe'] },
  intervalMs = FRAME_MS,
): T {
  const [snap, setSnap] = useState(() => store.snapshot());
  useEffect(() => {
    // intervalMs 0: a new snapshot on every store change (the naive wiring, kept for the benchmark).
    if (intervalMs === 0) return store.subscribe(() => setSnap(store.snapshot()));
    let dirty = false;
    let lastAt = Date.now();
    const unsub = store.subscribe(() => {
      dirty = true;
    });
    // A finished run's screen is static: no clock to advance, so only a change redraws it.
    let finished = Boolean((store.snapshot() as { finished?: boolean }).finished);
    const timer = setInterval(() => {
      const now = Date.now();
      if (dirty || (!finished && now - lastAt >= 1000)) {
        dirty = false;
        lastAt = now;
        const next = store.snapshot();
        finished = Boolean((next as { finished?: boolean }).finished);
        setSnap(next);
      }
    }, intervalMs);
    return () => {
      clearInterval(timer);
      unsub();
    };
  }, [store, intervalMs]);
  return snap;
}
