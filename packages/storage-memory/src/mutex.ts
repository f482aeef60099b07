/**
 * A FIFO async mutex: transactions (and autocommit writes) take turns, so a
 * transaction sees no interleaved writes and row locks come for free.
 */
export class Mutex {
  private tail: Promise<void> = Promise.resolve();

  /** Waits for the previous holder; resolves with the function that releases the lock. */
  async lock(): Promise<() => void> {
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const previous = this.tail;
    this.tail = previous.then(() => released);
    await previous;
    return release;
  }
}
