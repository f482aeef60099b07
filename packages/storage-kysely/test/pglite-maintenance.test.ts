import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { query, type PipelineQuery, type Visibility } from '@pipewright/core';
import { sql, type CompiledQuery } from 'kysely';
import { createKyselyStorage, type KyselyStorage } from '../src/create-kysely-storage.js';
import { PgliteMaintenance } from '../src/dialects/pglite-maintenance.js';

/**
 * PGlite runs no autovacuum: the storage analyzes after migrations and on its own timer.
 * At 20,000 pipelines the deep page must walk an index instead of sorting the table.
 */
const PIPELINES = 20_000;
const orgId = '00000000-0000-4000-8000-000000000001';
const ownerId = '00000000-0000-4000-8000-000000000002';
const workflowId = '00000000-0000-4000-8000-000000000003';

interface PlanNode {
  'Node Type': string;
  'Index Name'?: string;
  'Relation Name'?: string;
  Plans?: PlanNode[];
}
const flatten = (plan: PlanNode): PlanNode[] => [plan, ...(plan.Plans ?? []).flatMap(flatten)];

describe('PGlite maintenance', () => {
  let handle: KyselyStorage;
  const captured: CompiledQuery[] = [];
  const all: Visibility = { orgId, userId: ownerId, all: true };
  const deepPage = () =>
    handle.storage.pipelines.list(
      all,
      query({ page: { page: 950, size: 20 }, sort: [{ field: 'createdAt', direction: 'desc' }] }) as PipelineQuery,
    );

  beforeAll(async () => {
    handle = await createKyselyStorage({
      inMemory: true,
      maintenanceIntervalMs: 0,
      log: (event) => {
        if (event.level === 'query') captured.push(event.query);
      },
    });
    await handle.migrate();
    const t0 = sql.lit('2025-01-01T00:00:00Z');
    await sql`insert into organizations values (${orgId}, 1, 'big', 'Big', 'normal', ${t0}, ${t0})`.execute(handle.db);
    await sql`insert into users values (${ownerId}, 'o@big.test', 'o', null, true, ${t0}, ${t0})`.execute(handle.db);
    await sql`insert into memberships values (${orgId}, ${ownerId}, 'admin', ${t0})`.execute(handle.db);
    await sql`
      insert into workflows (id, org_id, name, owner_id, shared_to_org, is_active, deployment_type, stages, retry_on_interrupt, created_by, modified_by, created_at, updated_at)
      values (${workflowId}, ${orgId}, 'wf', ${ownerId}, false, true, 'DEFAULT', '{}', false, ${ownerId}, ${ownerId}, ${t0}, ${t0})`.execute(
      handle.db,
    );
    await sql`
      insert into pipelines (id, seq, org_id, name, type, workflow_id, owner_id, shared_to_org, enabled, schedule_start, incremental, run_count,
                             created_by, modified_by, created_at, updated_at)
      select gen_random_uuid(), g, ${orgId}, 'pipeline-' || lpad(g::text, 6, '0'), 'ETL', ${workflowId}, ${ownerId}, false, true, 0, false, 0,
             ${ownerId}, ${ownerId}, ${t0}::timestamptz + g * interval '1 second', ${t0}::timestamptz + g * interval '1 second'
      from generate_series(1, ${PIPELINES}) g`.execute(handle.db);
  }, 120_000);

  afterAll(async () => {
    await handle?.close();
  });

  async function plan(): Promise<PlanNode[]> {
    captured.length = 0;
    const page = await deepPage();
    expect(page.items).toHaveLength(20);
    const statement = captured.find((s) => /from "pipelines"/i.test(s.sql) && /offset/i.test(s.sql))!;
    const { rows } = await sql
      .raw<{ 'QUERY PLAN': Array<{ Plan: PlanNode }> }>(
        `explain (format json) ${statement.sql}`.replace(/\$(\d+)/g, (_, i: string) =>
          literal(statement.parameters[Number(i) - 1]),
        ),
      )
      .execute(handle.db);
    return flatten(rows[0]!['QUERY PLAN'][0]!.Plan);
  }

  it('a sweep vacuums and analyzes the tables that changed, and the deep page then walks the created_at index', async () => {
    const modified = async () =>
      (
        await sql<{
          n: number;
        }>`select n_mod_since_analyze::int as n from pg_stat_user_tables where relname = 'pipelines'`.execute(handle.db)
      ).rows[0]!.n;
    expect(await modified()).toBe(PIPELINES);

    await new PgliteMaintenance(handle.db, 'public').sweep();

    expect(await modified()).toBe(0);
    const nodes = await plan();
    expect(nodes.some((n) => n['Node Type'] === 'Seq Scan' && n['Relation Name'] === 'pipelines')).toBe(false);
    // Vacuumed too (inserts alone call for it, as in Postgres 13+): the visibility map allows an index-only scan.
    expect(
      nodes.some((n) => n['Node Type'] === 'Index Only Scan' && n['Index Name'] === 'pipelines_org_created_idx'),
    ).toBe(true);
  }, 60_000);

  it('an unchanged table is left alone by the next sweep', async () => {
    const when = async () =>
      (
        await sql<{ at: Date }>`select last_analyze as at from pg_stat_user_tables where relname = 'pipelines'`.execute(
          handle.db,
        )
      ).rows[0]!.at;
    const first = await when();
    await new PgliteMaintenance(handle.db, 'public').sweep();
    expect(await when()).toEqual(first);
  });
});

function literal(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value instanceof Date) return `'${value.toISOString()}'`;
  if (Array.isArray(value)) return `'{${value.map((v) => `"${String(v).replace(/"/g, '\\"')}"`).join(',')}}'`;
  return `'${String(value).replace(/'/g, "''")}'`;
}
