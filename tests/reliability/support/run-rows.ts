import type pg from 'pg';

// Runs as the database holds them, read by their int id (Meergo's run id, unique across
// organizations): the status and error no dialect shows in full, and the server's own
// timestamps for how long a run waited for a slot.

export interface RunRow {
  seq: number;
  id: string;
  status: string;
  error: string | null;
  trigger: string;
  createdAt: Date;
  startedAt: Date | null;
  endedAt: Date | null;
}

const COLUMNS = `seq, id, status, error, trigger, created_at AS "createdAt", started_at AS "startedAt", ended_at AS "endedAt"`;

export async function runBySeq(db: pg.Client, seq: number): Promise<RunRow> {
  const r = await db.query(`SELECT ${COLUMNS} FROM runs WHERE seq = $1`, [seq]);
  if (!r.rows[0]) throw new Error(`no run ${seq}`);
  return r.rows[0] as RunRow;
}

/** The runs of a pipeline (by uuid), oldest first. */
export async function runsOfPipeline(db: pg.Client, pipelineId: string): Promise<RunRow[]> {
  return (await db.query(`SELECT ${COLUMNS} FROM runs WHERE pipeline_id = $1 ORDER BY created_at, seq`, [pipelineId]))
    .rows as RunRow[];
}

/** Polls run `seq` every 50 ms until `done` holds; throws with the run's state after `timeoutMs`. */
export async function waitForRun(
  db: pg.Client,
  seq: number,
  done: (run: RunRow) => boolean,
  timeoutMs: number,
  what: string,
): Promise<RunRow> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const run = await runBySeq(db, seq);
    if (done(run)) return run;
    if (Date.now() > deadline)
      throw new Error(`run ${seq}: no ${what} within ${timeoutMs} ms; now ${JSON.stringify(run)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export const hasEnded = (run: RunRow) => run.endedAt !== null;
export const hasStarted = (run: RunRow) => run.startedAt !== null || run.endedAt !== null;

/** How long the run waited between its trigger and its start (server clock), in ms. */
export const startDelayMs = (run: RunRow) =>
  (run.startedAt ?? run.endedAt ?? new Date()).getTime() - run.createdAt.getTime();
