// Fault profiles the sandbox can emulate. Everything they cause is labelled as emulation where shown.
export const FAULT_PROFILES = ['http-errors', 'latency', 'worker-crash', 'legacy-loop-state'] as const;
export type FaultProfile = (typeof FAULT_PROFILES)[number];

export const FAULT_DESCRIPTIONS: Record<FaultProfile, string> = {
  'http-errors': 'the echo endpoint answers a share of requests with an error status (exercises the http retry policy)',
  latency: 'the echo endpoint delays every answer',
  'worker-crash': 'one python worker process is killed mid-run (its command is re-dispatched)',
  'legacy-loop-state': 'loop state kept in one NATS KV value capped at max_payload, as NoETL once did: big loops stall near item 110',
};
