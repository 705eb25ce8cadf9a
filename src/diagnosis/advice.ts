// The tuning advice the diagnosis' rules give, each line with the source it comes from.
/** Advice lines, each with its source. */
export const ADVICE = {
  batchSize: 'Bound batch_size to 20–60 for 200–300 KB items (fixture README, tuning)',
  chunked: 'Prefer chunked_optimal: bounded windows keep each loop small (fixture README, tuning)',
  chunkParallelism: 'Keep chunk-worker parallelism bounded: max_in_flight 3 on run_batch_workers (fixture README)',
  workerInFlight: "Keep the worker loop's max_in_flight moderate: 15 in the chunk worker (fixture README)",
  referenceFirst:
    'Keep large results reference-first: NOETL_INLINE_MAX_BYTES 65536 (noetl/ops configmaps; noetl-contract §2.3)',
  httpPool:
    'Tune NOETL_HTTP_MAX_CONNECTIONS / NOETL_HTTP_MAX_KEEPALIVE_CONNECTIONS (Python http tool only; noetl-contract §2.3)',
  upgradeLoopState:
    'Run an engine after noetl/noetl PR #220: loop progress by counters, not one NATS KV value (noetl-contract §6.7)',
  previousLogs: 'Read the crashed container: kubectl logs --previous on the pod named above',
  workers: 'Check that worker pods run and serve the pool the commands go to (kubectl get pods -l component=worker)',
} as const;
