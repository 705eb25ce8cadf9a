// A fixed-capacity ring buffer: memory stays flat however long the run.
export class Ring<T> {
  private buf: T[] = [];
  private start = 0;
  total = 0;

  constructor(readonly capacity: number) {}

  push(v: T): void {
    this.total++;
    if (this.buf.length < this.capacity) this.buf.push(v);
    else {
      this.buf[this.start] = v;
      this.start = (this.start + 1) % this.capacity;
    }
  }

  /** Oldest first. */
  toArray(): T[] {
    return this.buf.length < this.capacity
      ? this.buf.slice()
      : [...this.buf.slice(this.start), ...this.buf.slice(0, this.start)];
  }

  last(n: number): T[] {
    const a = this.toArray();
    return a.slice(Math.max(0, a.length - n));
  }
}
