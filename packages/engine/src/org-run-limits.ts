/** How long an organization's own limit is trusted before it is read again. */
const FRESH_MS = 5_000;

/**
 * Each organization's limit on runs executing at once in this process: its own
 * (`Organization.maxConcurrentRuns`, read from storage and kept a few seconds) or the
 * operator's default. A change made by a server admin applies within `FRESH_MS`.
 */
export class OrgRunLimits {
  private readonly known = new Map<string, { own: number | null; readAt: number }>();

  constructor(
    private readonly defaultLimit: number,
    private readonly load: (orgId: string) => Promise<number | null>,
    private readonly onError: (error: unknown, context: string) => void = () => {},
  ) {}

  /** The organization's limit as last read (the default until read). */
  of(orgId: string): number {
    return this.known.get(orgId)?.own ?? this.defaultLimit;
  }

  /** Reads the organization's own limit again unless it was read recently; a failed read keeps what was known. */
  async refresh(orgId: string): Promise<void> {
    const known = this.known.get(orgId);
    const now = Date.now();
    if (known && now - known.readAt < FRESH_MS) return;
    try {
      this.known.set(orgId, { own: await this.load(orgId), readAt: now });
    } catch (e) {
      this.onError(e, `run limit of organization ${orgId}`);
    }
  }
}
