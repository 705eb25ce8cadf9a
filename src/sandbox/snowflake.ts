// Snowflake ids with the real server's layout: 41-bit ms since 2024-01-01, 10-bit machine, 12-bit sequence.
// Values are far above 2^53, so they are bigints everywhere in the sandbox.
const EPOCH_MS = Date.UTC(2024, 0, 1);

export class Snowflake {
  private lastMs = 0;
  private seq = 0;
  constructor(private readonly machine = 1) {}

  next(): bigint {
    let ms = Date.now() - EPOCH_MS;
    if (ms < this.lastMs) ms = this.lastMs; // clock went back: never reuse or reorder ids
    if (ms === this.lastMs) {
      this.seq = (this.seq + 1) & 0xfff;
      if (this.seq === 0) ms = this.lastMs + 1; // sequence exhausted: borrow the next millisecond
    } else {
      this.seq = 0;
    }
    this.lastMs = ms;
    return (BigInt(ms) << 22n) | (BigInt(this.machine & 0x3ff) << 12n) | BigInt(this.seq);
  }
}
