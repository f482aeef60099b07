import type { GroupConcurrencyConfig } from 'pg-boss';
import type { WorkerCore } from './worker-ports.js';
import type { WorkerRegistry } from './worker-registry.js';

/** How long the limits are used before they are read again. */
const FRESH_MS = 5_000;

/**
 * The per-organization limits workers fetch run jobs with (pg-boss `groupConcurrency`, which
 * counts the active jobs of a group in the database, so across every worker): a tier per
 * organization with its own limit, and a default for the rest — the operator's
 * (`organizationConcurrency`), else half of the live workers' slots, rounded up.
 */
export class OrgGroupLimits {
  private current: GroupConcurrencyConfig;
  private readAt = 0;

  constructor(
    private readonly core: WorkerCore,
    private readonly workers: WorkerRegistry,
    /** This worker's own slots (counted even before its first heartbeat row). */
    private readonly ownConcurrency: number,
    private readonly operatorDefault: number | null,
    private readonly onError: (error: unknown, context: string) => void,
  ) {
    this.current = { default: operatorDefault ?? Math.max(1, Math.ceil(ownConcurrency / 2)) };
  }

  /** The limits, read again when older than a few seconds (a failed read keeps the last ones). */
  async get(): Promise<GroupConcurrencyConfig> {
    if (Date.now() - this.readAt < FRESH_MS) return this.current;
    this.readAt = Date.now();
    try {
      const tiers: Record<string, number> = {};
      for (const org of await this.core.lifecycle.organizationsWithRunLimit()) tiers[org.id] = org.maxConcurrentRuns!;
      this.current = {
        default: this.operatorDefault ?? (await this.halfOfAllSlots()),
        ...(Object.keys(tiers).length ? { tiers } : {}),
      };
    } catch (e) {
      this.onError(e, 'organization run limits');
    }
    return this.current;
  }

  private async halfOfAllSlots(): Promise<number> {
    const live = (await this.workers.list()).filter((w) => w.alive);
    const slots = Math.max(
      this.ownConcurrency,
      live.reduce((n, w) => n + w.concurrency, 0),
    );
    return Math.max(1, Math.ceil(slots / 2));
  }
}
