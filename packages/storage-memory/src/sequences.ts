import { MAX_SEQ } from '@pipewright/core';

/**
 * Int id counters per entity kind. Like database sequences they are not transactional:
 * a rolled-back transaction does not give its numbers back.
 */
export class Sequences {
  private readonly last = new Map<string, number>();

  next(kind: string): number {
    const value = (this.last.get(kind) ?? 0) + 1;
    if (value > MAX_SEQ) throw new Error(`The ${kind} sequence is exhausted.`);
    this.last.set(kind, value);
    return value;
  }
}
