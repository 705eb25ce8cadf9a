// Samples the store into React at about 10 Hz (and at least once a second for the clock): the store
// takes every event outside React, the screen only ever sees bounded snapshots.
import { useEffect, useState } from 'react';
import type { Snapshot, SnapshotSource } from '../src/model.js';

export function useSnapshot<T = Snapshot>(store: { snapshot(): T; subscribe: SnapshotSource['subscribe'] }, intervalMs = 100): T {
  const [snap, setSnap] = useState(() => store.snapshot());
  useEffect(() => {
    // intervalMs 0: a new snapshot on every store change (the naive wiring, kept for the benchmark).
    if (intervalMs === 0) return store.subscribe(() => setSnap(store.snapshot()));
    let dirty = false;
    let lastAt = Date.now();
    const unsub = store.subscribe(() => {
      dirty = true;
    });
    const timer = setInterval(() => {
      const now = Date.now();
      if (dirty || now - lastAt >= 1000) {
        dirty = false;
        lastAt = now;
        setSnap(store.snapshot());
      }
    }, intervalMs);
    return () => {
      clearInterval(timer);
      unsub();
    };
  }, [store, intervalMs]);
  return snap;
}
