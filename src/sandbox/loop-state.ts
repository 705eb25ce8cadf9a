// Emulation of the legacy Python engine's loop state before noetl/noetl PR #220 (fault profile
// `legacy-loop-state`). Each finished iteration appends its results to the loop's state, inline (the
// period had no references; --loop-inline-max-bytes adds the later reference-plus-preview); the state lives
// in one NATS KV value capped by the message size. Once a write would exceed the cap it fails and the loop
// records nothing more.

/**
 * The state's limits, from the sandbox's flags (their defaults in SANDBOX_TUNING, src/sandbox-options.ts):
 * by default every result inline, as in the fault's period (before noetl/noetl PR #220, 2026-01-26); a
 * smaller inlineMaxBytes adds the references with a preview of 02-03, a combination no released engine ran.
 */
export interface LoopStateLimits {
  inlineMaxBytes: number; // NOETL_INLINE_MAX_BYTES once references existed (64 KiB)
  previewBytes: number; // preview kept with a reference (1 KiB, result_handler.py)
  capBytes: number; // NATS max_payload (1 MiB)
}

const REF_BYTES = 160; // {"ref":"noetl://execution/<id>/result/<step>/<n>","store":"kv","bytes":N,...}

export class LoopState {
  bytes = 256; // the loop's own bookkeeping (cursor, counters, ids)
  rejected = false;
  recorded = 0;

  constructor(readonly limits: LoopStateLimits) {}

  /** Size one iteration adds: each result inline if small, else a reference plus a preview. */
  entryBytes(resultSizes: number[]): number {
    let n = 32;
    for (const size of resultSizes) {
      n += size <= this.limits.inlineMaxBytes ? size : REF_BYTES + this.limits.previewBytes;
    }
    return n;
  }

  /** Appends one iteration; false once the write would exceed the cap (then and ever after). */
  append(resultSizes: number[]): boolean {
    if (this.rejected) return false;
    const next = this.bytes + this.entryBytes(resultSizes);
    if (next > this.limits.capBytes) {
      this.rejected = true;
      return false;
    }
    this.bytes = next;
    this.recorded++;
    return true;
  }
}
