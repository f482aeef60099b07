/**
 * Bytes of uploaded files each organization holds at once: received, and not yet consumed by
 * their run (the run ended, or the queue stored them). Counted in this server process only:
 * with several api processes, each lets an organization hold up to the cap.
 */
export class UploadBudget {
  private readonly held = new Map<string, number>();

  constructor(readonly maxBytesPerOrg: number) {}

  /** Counts `bytes` more for the organization; false (nothing counted) if that would pass the cap. */
  take(orgId: string, bytes: number): boolean {
    const now = this.held.get(orgId) ?? 0;
    if (now + bytes > this.maxBytesPerOrg) return false;
    this.held.set(orgId, now + bytes);
    return true;
  }

  /** Gives back bytes taken before (their file was deleted). */
  give(orgId: string, bytes: number): void {
    const left = (this.held.get(orgId) ?? 0) - bytes;
    if (left > 0) this.held.set(orgId, left);
    else this.held.delete(orgId);
  }

  /** Bytes the organization holds now. */
  heldBy(orgId: string): number {
    return this.held.get(orgId) ?? 0;
  }
}
