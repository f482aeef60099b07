import type pg from 'pg';

/** One worker process as the admin API and /metrics see it. */
export interface WorkerInfo {
  id: string;
  host: string;
  pid: number;
  concurrency: number;
  /** Runs it was executing at its last heartbeat. */
  running: number;
  startedAt: Date;
  lastHeartbeatAt: Date;
  /** Set when it stopped cleanly; a worker killed outright just stops beating. */
  stoppedAt: Date | null;
  /** Beat within the liveness window and did not stop. */
  alive: boolean;
}

interface WorkerRow {
  id: string;
  host: string;
  pid: number;
  concurrency: number;
  running: number;
  started_at: Date;
  last_heartbeat_at: Date;
  stopped_at: Date | null;
}

/** The workers' liveness rows (`pipewright_workers`). */
export class WorkerRegistry {
  constructor(
    private readonly pool: pg.Pool,
    /** A worker not heard of for this long counts as dead. */
    private readonly livenessMs = 15_000,
  ) {}

  /** Records a heartbeat (the first one registers the worker). */
  async beat(worker: { id: string; host: string; pid: number; concurrency: number; running: number }): Promise<void> {
    await this.pool.query(
      `INSERT INTO pipewright_workers (id, host, pid, concurrency, running, started_at, last_heartbeat_at)
       VALUES ($1, $2, $3, $4, $5, now(), now())
       ON CONFLICT (id) DO UPDATE SET running = EXCLUDED.running, last_heartbeat_at = now(), stopped_at = NULL`,
      [worker.id, worker.host, worker.pid, worker.concurrency, worker.running],
    );
  }

  /** Marks a worker stopped (clean shutdown). */
  async stopped(id: string): Promise<void> {
    await this.pool.query('UPDATE pipewright_workers SET stopped_at = now(), running = 0 WHERE id = $1', [id]);
  }

  /** Workers heard of within `sinceMs` (default a day), most recent heartbeat first. */
  async list(sinceMs = 86_400_000): Promise<WorkerInfo[]> {
    const { rows } = await this.pool.query<WorkerRow & { alive: boolean }>(
      `SELECT *, (stopped_at IS NULL AND last_heartbeat_at > now() - ($1::integer * interval '1 millisecond')) AS alive
       FROM pipewright_workers WHERE last_heartbeat_at > now() - ($2::bigint * interval '1 millisecond')
       ORDER BY last_heartbeat_at DESC`,
      [this.livenessMs, sinceMs],
    );
    return rows.map((r) => ({
      id: r.id,
      host: r.host,
      pid: r.pid,
      concurrency: r.concurrency,
      running: r.running,
      startedAt: r.started_at,
      lastHeartbeatAt: r.last_heartbeat_at,
      stoppedAt: r.stopped_at,
      alive: r.alive,
    }));
  }
}
