import { availableParallelism } from 'node:os';
import { sql, type Kysely } from 'kysely';

/** Sizes of the scale test: one big org, a hot pipeline, and some other orgs for contrast. */
export const SCALE = {
  pipelines: 100_000,
  runs: 1_000_000,
  /** Runs of the one pipeline with many (the rest are spread evenly). */
  hotPipelineRuns: 100_000,
  otherOrgPipelines: 10_000,
  tags: 20,
  fileHistories: 100_000,
};

/** Runs of the hot pipeline: its own, plus its share of the evenly spread ones. */
export const HOT_PIPELINE_TOTAL = SCALE.hotPipelineRuns + (SCALE.runs - SCALE.hotPipelineRuns) / SCALE.pipelines;
/** Runs of any other pipeline of the org. */
export const TYPICAL_PIPELINE_TOTAL = (SCALE.runs - SCALE.hotPipelineRuns) / SCALE.pipelines;

export interface ScaleIds {
  orgId: string;
  ownerId: string;
  workflowId: string;
  /** The pipeline with SCALE.hotPipelineRuns runs (seq 1). */
  hotPipelineId: string;
  /** A member who owns nothing (sees the pipelines shared to the org). */
  memberId: string;
  /** A run in the middle of the table. */
  someRun: { id: string; seq: number };
}

/**
 * Bulk-loads the scale data set with generate_series (set-based, in the server), then
 * VACUUM ANALYZE so the planner has statistics and index-only scans can skip the heap.
 */
export async function loadScaleData(db: Kysely<any>): Promise<ScaleIds> {
  const orgId = '00000000-0000-4000-8000-000000000001';
  const ownerId = '00000000-0000-4000-8000-000000000002';
  const workflowId = '00000000-0000-4000-8000-000000000003';
  const memberId = '00000000-0000-4000-8000-000000000004';
  const t0 = sql.lit('2025-01-01T00:00:00Z');
  await sql`insert into organizations values (${orgId}, 1, 'scale-org', 'Scale', 'normal', ${t0}, ${t0})`.execute(db);
  await sql`insert into users values (${ownerId}, 'owner@scale.test', 'owner', null, true, ${t0}, ${t0})`.execute(db);
  await sql`insert into users values (${memberId}, 'member@scale.test', 'member', null, true, ${t0}, ${t0})`.execute(
    db,
  );
  await sql`insert into memberships values (${orgId}, ${ownerId}, 'admin', ${t0}), (${orgId}, ${memberId}, 'member', ${t0})`.execute(
    db,
  );
  await sql`
    insert into workflows (id, org_id, name, owner_id, shared_to_org, is_active, deployment_type, stages, retry_on_interrupt, created_by, modified_by, created_at, updated_at)
    values (${workflowId}, ${orgId}, 'scale-workflow', ${ownerId}, false, true, 'DEFAULT', '{}', false, ${ownerId}, ${ownerId}, ${t0}, ${t0})`.execute(
    db,
  );

  // Pipelines 1..N in the org; N+1.. in ten other orgs. Two thirds have a latest run.
  await sql`
    insert into pipelines (id, seq, org_id, name, type, workflow_id, owner_id, shared_to_org, enabled, schedule_start, incremental,
                           run_count, last_run_id, last_run_at, last_run_status, created_by, modified_by, created_at, updated_at)
    select gen_random_uuid(), g,
           case when g <= ${SCALE.pipelines} then ${orgId}::uuid else ('00000000-0000-4000-8000-1000000000' || lpad((g % 10)::text, 2, '0'))::uuid end,
           'pipeline-' || lpad(g::text, 7, '0'), 'ETL', ${workflowId}, ${ownerId}, g % 7 = 0, true, 0, false,
           0, null,
           case when g % 3 <> 0 then ${t0}::timestamptz + (g * 37 % 100000) * interval '1 minute' end,
           case when g % 3 <> 0 then 'COMPLETED' end,
           ${ownerId}, ${ownerId}, ${t0}::timestamptz + g * interval '1 second', ${t0}::timestamptz + g * interval '1 second'
    from generate_series(1, ${SCALE.pipelines + SCALE.otherOrgPipelines}) g`.execute(db);

  // A third of the pipelines carry one of the org's tags.
  await sql`
    insert into tags (id, org_id, name, color, exclusive, created_by, created_at, updated_at)
    select gen_random_uuid(), ${orgId}, 'tag-' || lpad(g::text, 2, '0'), 'grey', false, ${ownerId}, ${t0}, ${t0}
    from generate_series(1, ${SCALE.tags}) g`.execute(db);
  await sql`
    insert into pipeline_tags (pipeline_id, tag_id, position)
    select p.id, t.id, 0 from pipelines p join tags t on t.name = 'tag-' || lpad((1 + p.seq % ${SCALE.tags})::text, 2, '0')
    where p.seq <= ${SCALE.pipelines} and p.seq % 3 = 0`.execute(db);

  // Runs 1..M: the first H on pipeline seq 1, the rest spread over the org's pipelines. None open.
  // One statement per core (up to 4), each on its own connection, to load faster.
  const parts = Math.min(4, availableParallelism());
  const chunk = Math.ceil(SCALE.runs / parts);
  await Promise.all(
    Array.from({ length: parts }, (_, i) => i).map((i) =>
      sql`
        insert into runs (id, seq, org_id, pipeline_id, workflow_id, run_index, trigger, status, incremental, created_at, started_at, ended_at,
                          updated_at, stages, files)
        select gen_random_uuid(), g, ${orgId}, p.id, ${workflowId}, null, 'manual', case when g % 10 = 0 then 'ERROR' else 'COMPLETED' end, false,
               ${t0}::timestamptz + g * interval '1 second', ${t0}::timestamptz + g * interval '1 second', ${t0}::timestamptz + g * interval '1 second',
               ${t0}::timestamptz + g * interval '1 second', '{"passed":[0,0,0,0,0,0],"failed":[0,0,0,0,0,0]}', '{"total":0,"ok":0,"failed":0}'
        from generate_series(${i * chunk + 1}::int, ${Math.min(SCALE.runs, (i + 1) * chunk)}::int) g
        join pipelines p on p.seq = case when g <= ${SCALE.hotPipelineRuns} then 1 else 1 + (g % ${SCALE.pipelines}) end`.execute(
        db,
      ),
    ),
  );

  // The workflow's file histories: 100 folders, mixed statuses and execution counts.
  await sql`
    insert into file_histories (id, workflow_id, cache_key, file_path, status, execution_count, created_at, updated_at)
    select gen_random_uuid(), ${workflowId}, md5(g::text), 'In/Dir-' || (g % 100) || '/file_' || g || '.csv',
           case when g % 3 = 0 then 'ERROR' else 'COMPLETED' end, 1 + (g / 100) % 4,
           ${t0}::timestamptz + g * interval '1 second', ${t0}::timestamptz + g * interval '1 second'
    from generate_series(1, ${SCALE.fileHistories}) g`.execute(db);

  // One run in a hundred is linked to a second pipeline (Flow jobs).
  await sql`
    insert into run_linked_pipelines (run_id, pipeline_id, position)
    select r.id, p.id, 0 from runs r join pipelines p on p.seq = 1 + (r.seq * 7 % ${SCALE.pipelines}) where r.seq % 100 = 0`.execute(
    db,
  );
  await sql`select setval('pipeline_seq', ${SCALE.pipelines + SCALE.otherOrgPipelines})`.execute(db);
  await sql`select setval('run_seq', ${SCALE.runs})`.execute(db);
  for (const table of [
    'organizations',
    'users',
    'memberships',
    'workflows',
    'pipelines',
    'runs',
    'pipeline_tags',
    'tags',
    'run_linked_pipelines',
    'file_histories',
  ])
    await sql`vacuum analyze ${sql.table(table)}`.execute(db);

  const hot = await sql<{ id: string }>`select id from pipelines where seq = 1`.execute(db);
  const run = await sql<{
    id: string;
    seq: number;
  }>`select id, seq from runs where seq = ${Math.floor(SCALE.runs / 2)}`.execute(db);
  return { orgId, ownerId, memberId, workflowId, hotPipelineId: hot.rows[0]!.id, someRun: run.rows[0]! };
}
