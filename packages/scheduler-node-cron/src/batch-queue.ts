/**
 * Coalesces calls made in the same event-loop turn into one batch call (at most `maxSize`
 * items each). Many schedules share fire instants (every minute at :00), and node-cron
 * wakes all their tasks in one timers phase: one multi-row statement instead of thousands
 * of single-row ones keeps fire lag and CPU per fire low.
 */
export class BatchQueue<I, O> {
  private pending: { item: I; resolve: (o: O) => void; reject: (e: unknown) => void }[] = [];
  private scheduled = false;

  /** `run` returns one result per item, in order. */
  constructor(
    private readonly run: (items: I[]) => Promise<O[]>,
    private readonly maxSize = 500,
  ) {}

  push(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.pending.push({ item, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.scheduled = false;
    const all = this.pending;
    this.pending = [];
    for (let i = 0; i < all.length; i += this.maxSize) {
      const chunk = all.slice(i, i + this.maxSize);
      this.run(chunk.map((c) => c.item)).then(
        (out) => chunk.forEach((c, j) => c.resolve(out[j]!)),
        (e) => chunk.forEach((c) => c.reject(e)),
      );
    }
  }
}
