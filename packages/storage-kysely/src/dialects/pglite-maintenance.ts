import { sql, type Kysely } from 'kysely';

/** A table and what has changed in it since it was last analyzed and vacuumed. */
interface TableActivity {
  relname: string;
  live: number;
  dead: number;
  modified: number;
  inserted: number;
}

// Postgres's own autovacuum defaults (`autovacuum_{analyze,vacuum}_{threshold,scale_factor}`).
const ANALYZE_THRESHOLD = 50;
const ANALYZE_SCALE = 0.1;
const VACUUM_THRESHOLD = 50;
const VACUUM_SCALE = 0.2;
// Since Postgres 13 inserts alone also trigger a vacuum: it sets the visibility map that index-only scans need.
const INSERT_VACUUM_THRESHOLD = 1000;
const INSERT_VACUUM_SCALE = 0.2;

/**
 * PGlite runs no autovacuum: without this the planner keeps the row estimates of an empty
 * database (a deep page sorted 20,000 pipelines instead of walking their index) and dead rows
 * pile up. This does what autovacuum would, with its thresholds: after migrations it analyzes
 * every table, then every `intervalMs` it vacuums or analyzes the tables that changed enough.
 * It runs through Kysely, so it waits its turn for PGlite's one session.
 */
export class PgliteMaintenance {
  private timer: ReturnType<typeof setInterval> | null = null;
  private sweeping: Promise<void> | null = null;

  constructor(
    private readonly db: Kysely<any>,
    private readonly schema: string,
    private readonly onError: (error: unknown) => void = () => {},
  ) {}

  /** Sweeps every `intervalMs` until `stop()` (the timer does not keep the process alive). */
  start(intervalMs: number): void {
    if (this.timer || intervalMs <= 0) return;
    this.timer = setInterval(() => void this.sweep().catch(this.onError), intervalMs);
    this.timer.unref?.();
  }

  /** Stops the timer and waits for a sweep in progress. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.sweeping?.catch(() => {});
  }

  /** Analyzes every table of the schema (after migrations, when the estimates are the empty database's). */
  async analyzeAll(): Promise<void> {
    for (const { relname } of await this.activity())
      await sql`ANALYZE ${sql.table(`${this.schema}.${relname}`)}`.execute(this.db);
  }

  /** One autovacuum pass: VACUUM ANALYZE tables with many dead or new rows, ANALYZE tables changed enough. */
  sweep(): Promise<void> {
    this.sweeping ??= (async () => {
      try {
        for (const t of await this.activity()) {
          const table = sql.table(`${this.schema}.${t.relname}`);
          const vacuum =
            t.dead > VACUUM_THRESHOLD + VACUUM_SCALE * t.live ||
            t.inserted > INSERT_VACUUM_THRESHOLD + INSERT_VACUUM_SCALE * t.live;
          if (vacuum) await sql`VACUUM (ANALYZE) ${table}`.execute(this.db);
          else if (t.modified > ANALYZE_THRESHOLD + ANALYZE_SCALE * t.live)
            await sql`ANALYZE ${table}`.execute(this.db);
        }
      } finally {
        this.sweeping = null;
      }
    })();
    return this.sweeping;
  }

  private async activity(): Promise<TableActivity[]> {
    const { rows } = await sql<TableActivity>`
      SELECT relname, n_live_tup::int AS live, n_dead_tup::int AS dead, n_mod_since_analyze::int AS modified,
             n_ins_since_vacuum::int AS inserted
      FROM pg_stat_user_tables WHERE schemaname = ${this.schema} ORDER BY relname`.execute(this.db);
    return rows;
  }
}
