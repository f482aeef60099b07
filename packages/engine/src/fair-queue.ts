/**
 * Items waiting for a slot, one FIFO per organization, taken round robin over the
 * organizations: after an organization is served it goes to the back of the line, so one
 * organization with many waiting items delays another's first item by at most one turn.
 * `take` skips organizations that may not start another item now (at their limit).
 */
export class FairQueue<T extends { runId: string; orgId: string }> {
  /** Organizations with waiting items, in the order they are served next (Map keeps insertion order). */
  private readonly byOrg = new Map<string, T[]>();
  private count = 0;

  get size(): number {
    return this.count;
  }

  push(item: T): void {
    const line = this.byOrg.get(item.orgId);
    if (line) line.push(item);
    else this.byOrg.set(item.orgId, [item]);
    this.count++;
  }

  /** The next item of the first organization in line that `mayStart`, or undefined; that organization goes to the back. */
  take(mayStart: (orgId: string) => boolean): T | undefined {
    for (const [orgId, line] of this.byOrg) {
      if (!mayStart(orgId)) continue;
      const item = line.shift()!;
      this.count--;
      this.byOrg.delete(orgId);
      if (line.length > 0) this.byOrg.set(orgId, line);
      return item;
    }
    return undefined;
  }

  has(runId: string): boolean {
    for (const line of this.byOrg.values()) if (line.some((i) => i.runId === runId)) return true;
    return false;
  }

  /** Every waiting item's run id. */
  runIds(): string[] {
    return [...this.byOrg.values()].flatMap((line) => line.map((i) => i.runId));
  }

  /** Empties the queue; returns what waited, in no particular fairness order. */
  takeAll(): T[] {
    const all = [...this.byOrg.values()].flat();
    this.byOrg.clear();
    this.count = 0;
    return all;
  }
}
