// Emulation of the historical NoETL loop-state mechanism behind the ~100-item stall (fault profile
// `legacy-loop-state`). Each finished iteration appends its task-sequence results to the loop's state,
// inline when small, else as a reference plus a preview; the state lives in one NATS KV value capped by
// the message size. Once a write would exceed the cap it fails and the loop records nothing more.

export interface LoopStateLimits {
  inlineMaxBytes: number; // NOETL_INLINE_MAX_BYTES (64 KiB)
  previewBytes: number; // preview kept with a reference (1 KiB, result_handler.py)
  capBytes: number; // NATS max_payload (1 MiB)
}

export const DEFAULT_LOOP_STATE_LIMITS: LoopStateLimits = {
  inlineMaxBytes: 64 * 1024,
  previewBytes: 1024,
  capBytes: 1024 * 1024,
};

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
