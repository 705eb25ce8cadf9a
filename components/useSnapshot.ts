// Samples the store into React at about 10 Hz (and at least once a second for the clock): the store
// takes every event outside React, the screen only ever sees bounded snapshots.
import { useEffect, useState } from 'react';
import type { Snapshot } from '../src/run/store.js';

export interface SnapshotSource {
  snapshot(): Snapshot;
  subscribe(fn: () => void): () => void;
}

export function useSnapshot(store: SnapshotSource, intervalMs = 100): Snapshot {
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

/** Terminal size from Ink's stdout, with resize debounced. */
export function useTerminalSize(stdout: NodeJS.WriteStream, debounceMs = 150): { cols: number; rows: number } {
  const read = () => ({ cols: stdout.columns || 80, rows: stdout.rows || 24 });
  const [size, setSize] = useState(read);
  useEffect(() => {
    let t: NodeJS.Timeout | undefined;
    const onResize = () => {
      clearTimeout(t);
      t = setTimeout(() => setSize(read()), debounceMs);
    };
    stdout.on('resize', onResize);
    return () => {
      clearTimeout(t);
      stdout.off('resize', onResize);
    };
  }, [stdout, debounceMs]);
  return size;
}
