// One scheduler process for the exactly-once test: started by the test with tsx, on the
// database in REPLICA_DATABASE_URL, scheduling REPLICA_PIPELINE_IDS every 2 seconds.
// Prints "ready" once its tasks are started; SIGTERM stops it gracefully.
import { randomUUID } from 'node:crypto';
import { Schedule } from '@pipewright/core';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { NodeCronScheduler } from '../../src/node-cron-scheduler.js';
import { pipelineWith } from './pipelines.js';

const pool = new pg.Pool({ connectionString: process.env.REPLICA_DATABASE_URL, max: 4 });
const db = new Kysely<any>({ dialect: new PostgresDialect({ pool }) });
const instanceId = process.env.REPLICA_ID!;
const schedule = Schedule.cron('*/2 * * * * *');
const pipelines = process.env.REPLICA_PIPELINE_IDS!.split(',').map((id) => pipelineWith(schedule, { id }));

const scheduler = new NodeCronScheduler({
  db,
  instanceId,
  misfirePolicy: 'skip',
  loadScheduled: async () => pipelines,
  // Stands in for core's triggerScheduled: every call leaves one row, so duplicates would show.
  fire: async (pipelineId) => {
    const runId = randomUUID();
    await db.insertInto('test_runs').values({ run_id: runId, pipeline_id: pipelineId, instance: instanceId }).execute();
    return { outcome: 'fired', runId };
  },
  onError: (e, context) => console.error(`error ${context}: ${String(e)}`),
});

await scheduler.start();
console.log('ready');

process.once('SIGTERM', () => {
  void (async () => {
    await scheduler.stop();
    await db.destroy();
    console.log('stopped');
    process.exit(0);
  })();
});
