const BUCKET_MS = 100;
const BUCKETS = 10;

/** Events per second over the last second, kept in ten 100 ms buckets so it costs the same at any rate. */
export class RateCounter {
  private readonly buckets: number[] = new Array<number>(BUCKETS).fill(0);
  private slot = 0;

  add(now = Date.now()): void {
    this.advance(now);
    const index = this.slot % BUCKETS;
    this.buckets[index] = (this.buckets[index] ?? 0) + 1;
  }

  perSecond(now = Date.now()): number {
    this.advance(now);
    return this.buckets.reduce((sum, count) => sum + count, 0);
  }

  /** Empties the buckets that have aged out since the last call. */
  private advance(now: number): void {
    const slot = Math.floor(now / BUCKET_MS);
    const aged = Math.min(slot - this.slot, BUCKETS);
    for (let i = 1; i <= aged; i++) this.buckets[(this.slot + i) % BUCKETS] = 0;
    this.slot = slot;
  }
}
