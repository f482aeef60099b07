import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { jest } from '@jest/globals';
import { sql } from 'kysely';
import { TEST_DATABASE_URL, createPostgresDatabase } from './support/databases.js';
import { sleep } from './support/pipelines.js';

const REPO_ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const REPLICA = fileURLToPath(new URL('./support/replica.ts', import.meta.url));
const PIPELINES = 20;
const RUN_MS = 32_000;

jest.setTimeout(120_000);

interface Replica {
  id: string;
  child: ChildProcess;
  output: string;
  ready: Promise<void>;
  exited: Promise<number | null>;
}

/** A separate Node process running one scheduler (tsx resolves @pipewright/* through the root tsconfig paths). */
function startReplica(id: string, url: string, pipelineIds: string[]): Replica {
  const child = spawn(process.execPath, ['--import', 'tsx', REPLICA], {
    cwd: REPO_ROOT,
    env: { ...process.env, REPLICA_ID: id, REPLICA_DATABASE_URL: url, REPLICA_PIPELINE_IDS: pipelineIds.join(',') },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const r: Replica = { id, child, output: '', ready: Promise.resolve(), exited: Promise.resolve(null) };
  child.stdout!.on('data', (d) => (r.output += d));
  child.stderr!.on('data', (d) => (r.output += d));
  r.exited = new Promise((resolve) => child.once('exit', resolve));
  r.ready = new Promise((resolve, reject) => {
    const check = () => (r.output.includes('ready') ? resolve() : undefined);
    child.stdout!.on('data', check);
    void r.exited.then((code) => reject(new Error(`replica ${id} exited (${code}) before ready:\n${r.output}`)));
  });
  return r;
}

// Needs a Postgres server shared by three processes (PGlite is in-process); CI sets TEST_DATABASE_URL.
(TEST_DATABASE_URL ? describe : describe.skip)('exactly once across three scheduler processes', () => {
  it(`runs every fire of ${PIPELINES} every-2-seconds schedules once for ${RUN_MS / 1000} s`, async () => {
    const database = await createPostgresDatabase();
    const { db } = database.connect();
    const replicas: Replica[] = [];
    try {
      await db.schema
        .createTable('test_runs')
        .addColumn('run_id', 'uuid', (c) => c.primaryKey())
        .addColumn('pipeline_id', 'uuid', (c) => c.notNull())
        .addColumn('instance', 'text', (c) => c.notNull())
        .execute();
      const ids = Array.from({ length: PIPELINES }, () => randomUUID());
      for (const name of ['r1', 'r2', 'r3']) replicas.push(startReplica(name, database.url, ids));
      await Promise.all(replicas.map((r) => r.ready));

      // Fires strictly inside the window, when all three were surely running, must all be there.
      const windowStart = Date.now() + 1000;
      await sleep(RUN_MS);
      const windowEnd = Date.now() - 1000;
      for (const r of replicas) r.child.kill('SIGTERM');
      const codes = await Promise.all(replicas.map((r) => r.exited));
      expect(codes).toEqual([0, 0, 0]);
      for (const r of replicas) expect(r.output).not.toMatch(/error/i);

      const ledger = await db.selectFrom('schedule_fires').selectAll().execute();
      const runs = await db.selectFrom('test_runs').selectAll().execute();

      // No duplicates: one fire() call per ledger row, and each ledger row names its own run.
      expect(ledger.every((r) => r.outcome === 'fired')).toBe(true);
      expect(runs).toHaveLength(ledger.length);
      expect(new Set(ledger.map((r) => r.run_id))).toEqual(new Set(runs.map((r) => r.run_id)));

      // Nothing missing: every even second in the window, for every pipeline.
      const expected: number[] = [];
      for (let t = Math.ceil(windowStart / 2000) * 2000; t <= windowEnd; t += 2000) expected.push(t);
      expect(expected.length).toBeGreaterThanOrEqual(14);
      for (const id of ids) {
        const fired = ledger
          .filter((r) => r.pipeline_id === id)
          .map((r) => new Date(r.fire_at).getTime())
          .filter((t) => t >= windowStart && t <= windowEnd)
          .sort((a, b) => a - b);
        expect(fired).toEqual(expected);
      }

      // The processes really competed: fires were won by more than one of them.
      const byReplica = await db
        .selectFrom('schedule_fires')
        .select(['claimed_by', sql<number>`count(*)::int`.as('n')])
        .groupBy('claimed_by')
        .execute();
      expect(byReplica.length).toBeGreaterThanOrEqual(2);
    } finally {
      for (const r of replicas) if (r.child.exitCode === null) r.child.kill('SIGKILL');
      await database.close();
    }
  });
});
