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
  redactionRegex:
    'The legacy worker redacts every result through a regex that is quadratic on a long run of URL-like characters (noetl 4.26.0 noetl/core/sanitize.py _URL_CREDENTIALS_RE, 700-704): smaller payloads, or results kept reference-first, cost it less',
  localWorkers: 'Give the engine more workers, about one per free core (--workers on --target local)',
  workerReplicas: "Give the engine more workers (the worker deployment's replicas), or fewer items in flight",
  pySpyCluster:
    'See where a worker spends its CPU: kubectl exec -n <ns> <worker pod> -- py-spy dump --pid 1 (py-spy from PyPI, in the image)',
  payloadSize:
    'Measure the per-item cost against payload size on this target (noetl-loadrun sweep --payload-kb 16,32,64 --modes direct_stress: its growth exponent)',
  sequential: 'Run the modes one after the other (--sequential), so neither waits behind the other for a worker',
  serverPool:
    "The NoETL server's database pool ran out and it answered 503 pool_saturated (noetl 4.26.0 noetl/server/api/core/batch.py 675): fewer commands in flight, or a larger server pool",
  pgPool: (figures?: string) =>
    `The worker's Postgres plugin pool${figures ? ` (${figures})` : ''} could not serve the commands in flight: fewer in flight per worker, or NOETL_POSTGRES_POOL_MAX_SIZE / NOETL_POSTGRES_POOL_TIMEOUT_SECONDS / NOETL_POSTGRES_POOL_MAX_WAITING (noetl 4.26.0 noetl/tools/postgres/pool.py 62-65)`,
  lostCommands:
    "The dead worker's commands are not redelivered by this engine: cancel the run and start again (a stall, not a slow run)",
  workers: 'Check that worker pods run and serve the pool the commands go to (kubectl get pods -l component=worker)',
} as const;
