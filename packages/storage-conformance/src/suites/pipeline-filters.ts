import { beforeAll, describe, expect, it } from '@jest/globals';
import {
  Schedule,
  type Filter,
  type Pipeline,
  type PipelineField,
  type PipelineQuery,
  type User,
  type Workflow,
} from '@pipewright/core';
import { adminView, at, type Fixtures } from '../fixtures.js';
import { nameSet } from '../expectations.js';
import { useStorage, type StorageFactory, type SuiteContext } from '../harness.js';

/**
 * Six pipelines covering every pipeline field and operator:
 *
 * | name    | type    | owner | enabled | scheduled | tags       | description                | created    | latest run (by)          |
 * |---------|---------|-------|---------|-----------|------------|----------------------------|------------|--------------------------|
 * | alpha   | ETL     | ann   | yes     | cron      | red, blue  | First one                  | 1m         | COMPLETED 10m (bob)      |
 * | bravo   | TASK    | bob   | no      | -         | red        | NULL                       | 2m         | ERROR 20m (ann)          |
 * | charlie | DEFAULT | ann   | yes     | period    | -          | Has 100% and under_score   | 3m + 7ms   | -                        |
 * | delta   | ETL     | cat   | yes     | -         | green      | plain (updated at 50m)     | 4m         | COMPLETED 5m (no user)   |
 * | echo    | APP     | bob   | yes     | cron      | gold       | plain text                 | 5m         | EXECUTING 30m (cat)      |
 * | foxtrot | DEFAULT | cat   | no      | -         | -          | '' (empty, not NULL)       | 6m         | -                        |
 *
 * alpha, bravo, charlie use workflow wf1; delta, echo, foxtrot use wf2.
 */
interface Catalog {
  orgId: string;
  users: Record<'ann' | 'bob' | 'cat', User>;
  workflows: Record<'wf1' | 'wf2', Workflow>;
  pipelines: Record<string, Pipeline>;
}

async function buildCatalog(fx: Fixtures): Promise<Catalog> {
  const org = await fx.org();
  const ann = await fx.memberUser(org, { name: 'ann' });
  const bob = await fx.memberUser(org, { name: 'bob' });
  const cat = await fx.memberUser(org, { name: 'cat' });
  const wf1 = await fx.workflow(org, ann);
  const wf2 = await fx.workflow(org, ann);
  const [red, blue, green, gold] = [
    await fx.tag(org, ann, { name: 'red' }),
    await fx.tag(org, ann, { name: 'blue' }),
    await fx.tag(org, ann, { name: 'green' }),
    await fx.tag(org, ann, { name: 'gold' }),
  ];
  const alpha = await fx.pipeline(org, ann, wf1, {
    name: 'alpha',
    type: 'ETL',
    description: 'First one',
    schedule: Schedule.cron('0 1 * * *'),
    tags: [red!, blue!],
    now: at(1),
  });
  const bravo = await fx.pipeline(org, bob, wf1, {
    name: 'bravo',
    type: 'TASK',
    enabled: false,
    tags: [red!],
    now: at(2),
  });
  const charlie = await fx.pipeline(org, ann, wf1, {
    name: 'charlie',
    type: 'DEFAULT',
    description: 'Has 100% and under_score',
    schedule: Schedule.period('1h'),
    now: at(3, 7),
  });
  const delta = await fx.pipeline(org, cat, wf2, {
    name: 'delta',
    type: 'ETL',
    description: 'plain',
    tags: [green!],
    now: at(4),
  });
  const echo = await fx.pipeline(org, bob, wf2, {
    name: 'echo',
    type: 'APP',
    description: 'plain text',
    schedule: Schedule.cron('0 2 * * *'),
    tags: [gold!],
    now: at(5),
  });
  const foxtrot = await fx.pipeline(org, cat, wf2, {
    name: 'foxtrot',
    type: 'DEFAULT',
    description: '',
    enabled: false,
    now: at(6),
  });

  await fx.markLatestRun(
    alpha,
    await fx.run({ org, pipeline: alpha, status: 'COMPLETED', triggeredBy: bob.id, createdAt: at(10) }),
  );
  await fx.markLatestRun(
    bravo,
    await fx.run({ org, pipeline: bravo, status: 'ERROR', triggeredBy: ann.id, createdAt: at(20) }),
  );
  await fx.markLatestRun(
    delta,
    await fx.run({
      org,
      pipeline: delta,
      status: 'COMPLETED',
      trigger: 'schedule',
      triggeredBy: null,
      createdAt: at(5),
    }),
  );
  await fx.markLatestRun(
    echo,
    await fx.run({ org, pipeline: echo, status: 'EXECUTING', triggeredBy: cat.id, createdAt: at(30) }),
  );
  delta.describe('plain', cat.id, at(50));
  await fx.storage.pipelines.update(delta);

  return {
    orgId: org.id,
    users: { ann, bob, cat },
    workflows: { wf1, wf2 },
    pipelines: { alpha, bravo, charlie, delta, echo, foxtrot },
  };
}

const ALL = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot'];
const except = (...names: string[]) => ALL.filter((n) => !names.includes(n));

type Case = [
  title: string,
  filters: (c: Catalog) => Filter<PipelineField>[],
  expected: string[] | ((c: Catalog) => string[]),
];

const f = (field: PipelineField, op: Filter['op'], value?: Filter['value']): Filter<PipelineField> =>
  value === undefined ? { field, op } : { field, op, value };

/** Names of the catalog pipelines whose seq satisfies `test`. */
const bySeq = (test: (seq: number, c: Catalog) => boolean) => (c: Catalog) =>
  Object.values(c.pipelines)
    .filter((p) => test(p.seq, c))
    .map((p) => p.name);

const CASES: Record<string, Case[]> = {
  'id (uuid)': [
    ['equals', (c) => [f('id', 'equals', c.pipelines.alpha!.id)], ['alpha']],
    ['equals upper-case text', (c) => [f('id', 'equals', c.pipelines.alpha!.id.toUpperCase())], ['alpha']],
    ['equals a value that is not a uuid matches nothing', () => [f('id', 'equals', 'not-a-uuid')], []],
    ['notequals', (c) => [f('id', 'notequals', c.pipelines.alpha!.id)], except('alpha')],
    ['notequals a value that is not a uuid matches every row', () => [f('id', 'notequals', 'not-a-uuid')], ALL],
    ['contains', (c) => [f('id', 'contains', c.pipelines.alpha!.id.slice(9, 23))], ['alpha']],
    ['notcontains', (c) => [f('id', 'notcontains', c.pipelines.alpha!.id.slice(9, 23))], except('alpha')],
    ['startswith', (c) => [f('id', 'startswith', c.pipelines.alpha!.id.slice(0, 13))], ['alpha']],
    ['endswith', (c) => [f('id', 'endswith', c.pipelines.alpha!.id.slice(-12))], ['alpha']],
    ['oneof', (c) => [f('id', 'oneof', [c.pipelines.alpha!.id, c.pipelines.bravo!.id])], ['alpha', 'bravo']],
    [
      'notoneof',
      (c) => [f('id', 'notoneof', [c.pipelines.alpha!.id, c.pipelines.bravo!.id])],
      except('alpha', 'bravo'),
    ],
    ['isempty', () => [f('id', 'isempty')], []],
    ['isnotempty', () => [f('id', 'isnotempty')], ALL],
  ],
  'workflowId and ownerId (uuid)': [
    ['workflowId equals', (c) => [f('workflowId', 'equals', c.workflows.wf2.id)], ['delta', 'echo', 'foxtrot']],
    ['workflowId notequals', (c) => [f('workflowId', 'notequals', c.workflows.wf2.id)], ['alpha', 'bravo', 'charlie']],
    ['workflowId oneof', (c) => [f('workflowId', 'oneof', [c.workflows.wf1.id])], ['alpha', 'bravo', 'charlie']],
    ['workflowId notoneof', (c) => [f('workflowId', 'notoneof', [c.workflows.wf1.id])], ['delta', 'echo', 'foxtrot']],
    [
      'workflowId startswith',
      (c) => [f('workflowId', 'startswith', c.workflows.wf1.id.slice(0, 18))],
      ['alpha', 'bravo', 'charlie'],
    ],
    ['ownerId equals', (c) => [f('ownerId', 'equals', c.users.ann.id)], ['alpha', 'charlie']],
    [
      'ownerId oneof',
      (c) => [f('ownerId', 'oneof', [c.users.bob.id, c.users.cat.id])],
      ['bravo', 'delta', 'echo', 'foxtrot'],
    ],
    ['ownerId isnotempty', () => [f('ownerId', 'isnotempty')], ALL],
  ],
  'seq (int)': [
    ['equals', (c) => [f('seq', 'equals', c.pipelines.bravo!.seq)], ['bravo']],
    ['notequals', (c) => [f('seq', 'notequals', c.pipelines.bravo!.seq)], except('bravo')],
    ['gt', (c) => [f('seq', 'gt', c.pipelines.charlie!.seq)], bySeq((s, c) => s > c.pipelines.charlie!.seq)],
    ['gte', (c) => [f('seq', 'gte', c.pipelines.charlie!.seq)], bySeq((s, c) => s >= c.pipelines.charlie!.seq)],
    ['lt', (c) => [f('seq', 'lt', c.pipelines.charlie!.seq)], bySeq((s, c) => s < c.pipelines.charlie!.seq)],
    ['lte', (c) => [f('seq', 'lte', c.pipelines.charlie!.seq)], bySeq((s, c) => s <= c.pipelines.charlie!.seq)],
    ['oneof', (c) => [f('seq', 'oneof', [c.pipelines.alpha!.seq, c.pipelines.echo!.seq])], ['alpha', 'echo']],
    [
      'notoneof',
      (c) => [f('seq', 'notoneof', [c.pipelines.alpha!.seq, c.pipelines.echo!.seq])],
      except('alpha', 'echo'),
    ],
    ['isempty', () => [f('seq', 'isempty')], []],
    ['isnotempty', () => [f('seq', 'isnotempty')], ALL],
  ],
  'name (string)': [
    ['equals is exact', () => [f('name', 'equals', 'alpha')], ['alpha']],
    ['equals is case-sensitive', () => [f('name', 'equals', 'ALPHA')], []],
    ['notequals', () => [f('name', 'notequals', 'alpha')], except('alpha')],
    ['contains is case-insensitive', () => [f('name', 'contains', 'HAR')], ['charlie']],
    ['notcontains', () => [f('name', 'notcontains', 'A')], ['echo', 'foxtrot']],
    ['startswith', () => [f('name', 'startswith', 'B')], ['bravo']],
    ['endswith', () => [f('name', 'endswith', 'O')], ['bravo', 'echo']],
    ['oneof', () => [f('name', 'oneof', ['alpha', 'echo', 'zulu'])], ['alpha', 'echo']],
    ['notoneof', () => [f('name', 'notoneof', ['alpha', 'echo'])], except('alpha', 'echo')],
    ['isempty', () => [f('name', 'isempty')], []],
    ['isnotempty', () => [f('name', 'isnotempty')], ALL],
  ],
  'description (nullable string)': [
    ['equals', () => [f('description', 'equals', 'plain')], ['delta']],
    ['equals is case-sensitive', () => [f('description', 'equals', 'PLAIN')], []],
    [
      'notequals does not match NULL',
      () => [f('description', 'notequals', 'plain')],
      ['alpha', 'charlie', 'echo', 'foxtrot'],
    ],
    ['contains', () => [f('description', 'contains', 'PLAIN')], ['delta', 'echo']],
    [
      'notcontains does not match NULL',
      () => [f('description', 'notcontains', 'plain')],
      ['alpha', 'charlie', 'foxtrot'],
    ],
    ['startswith', () => [f('description', 'startswith', 'first')], ['alpha']],
    ['endswith', () => [f('description', 'endswith', 'TEXT')], ['echo']],
    ['oneof', () => [f('description', 'oneof', ['plain', 'First one'])], ['alpha', 'delta']],
    [
      'notoneof does not match NULL',
      () => [f('description', 'notoneof', ['plain'])],
      ['alpha', 'charlie', 'echo', 'foxtrot'],
    ],
    ['isempty is IS NULL (the empty string is not empty)', () => [f('description', 'isempty')], ['bravo']],
    ['isnotempty', () => [f('description', 'isnotempty')], except('bravo')],
    ['contains % literally', () => [f('description', 'contains', '0%')], ['charlie']],
    ['contains _ literally', () => [f('description', 'contains', '_')], ['charlie']],
    ['% is not a wildcard', () => [f('description', 'contains', 'r%s')], []],
    ['_ is not a wildcard', () => [f('description', 'startswith', 'pla_n')], []],
  ],
  'type (string)': [
    ['equals', () => [f('type', 'equals', 'ETL')], ['alpha', 'delta']],
    ['notequals', () => [f('type', 'notequals', 'ETL')], except('alpha', 'delta')],
    ['contains', () => [f('type', 'contains', 'as')], ['bravo']],
    ['notcontains', () => [f('type', 'notcontains', 't')], ['echo']],
    ['startswith', () => [f('type', 'startswith', 'd')], ['charlie', 'foxtrot']],
    ['endswith', () => [f('type', 'endswith', 'p')], ['echo']],
    ['oneof', () => [f('type', 'oneof', ['TASK', 'APP'])], ['bravo', 'echo']],
    ['notoneof', () => [f('type', 'notoneof', ['ETL', 'DEFAULT'])], ['bravo', 'echo']],
  ],
  'user (owner id, name or email)': [
    ['equals the name', () => [f('user', 'equals', 'ann')], ['alpha', 'charlie']],
    ['equals the email', (c) => [f('user', 'equals', c.users.ann.email)], ['alpha', 'charlie']],
    ['equals the id', (c) => [f('user', 'equals', c.users.ann.id)], ['alpha', 'charlie']],
    ['equals is case-sensitive', () => [f('user', 'equals', 'ANN')], []],
    ['notequals applies to name OR email', () => [f('user', 'notequals', 'ann')], ALL],
    ['contains', () => [f('user', 'contains', 'NN')], ['alpha', 'charlie']],
    ['contains (email part)', () => [f('user', 'contains', '@EXAMPLE.test')], ALL],
    ['notcontains', () => [f('user', 'notcontains', 'nn')], except('alpha', 'charlie')],
    ['startswith', () => [f('user', 'startswith', 'BO')], ['bravo', 'echo']],
    ['endswith', () => [f('user', 'endswith', 'at')], ['delta', 'foxtrot']],
    [
      'oneof names and emails',
      (c) => [f('user', 'oneof', ['ann', c.users.cat.email])],
      ['alpha', 'charlie', 'delta', 'foxtrot'],
    ],
    ['oneof ids', (c) => [f('user', 'oneof', [c.users.bob.id])], ['bravo', 'echo']],
    ['notoneof', (c) => [f('user', 'notoneof', [c.users.ann.name, c.users.ann.email])], except('alpha', 'charlie')],
    ['isempty', () => [f('user', 'isempty')], []],
    ['isnotempty', () => [f('user', 'isnotempty')], ALL],
  ],
  'latestRunUser (triggering user of the latest run)': [
    ['equals the name', () => [f('latestRunUser', 'equals', 'bob')], ['alpha']],
    ['equals the email', (c) => [f('latestRunUser', 'equals', c.users.bob.email)], ['alpha']],
    ['equals the id', (c) => [f('latestRunUser', 'equals', c.users.bob.id)], ['alpha']],
    ['equals is case-sensitive', () => [f('latestRunUser', 'equals', 'BOB')], []],
    [
      'notequals never matches pipelines without a run or user',
      () => [f('latestRunUser', 'notequals', 'bob')],
      ['alpha', 'bravo', 'echo'],
    ],
    ['contains', () => [f('latestRunUser', 'contains', 'NN')], ['bravo']],
    ['notcontains', () => [f('latestRunUser', 'notcontains', 'o')], ['bravo', 'echo']],
    ['startswith', () => [f('latestRunUser', 'startswith', 'ca')], ['echo']],
    ['endswith', () => [f('latestRunUser', 'endswith', 'nn')], ['bravo']],
    ['oneof', (c) => [f('latestRunUser', 'oneof', ['ann', c.users.cat.id])], ['bravo', 'echo']],
    ['notoneof', (c) => [f('latestRunUser', 'notoneof', [c.users.bob.name, c.users.bob.email])], ['bravo', 'echo']],
    ['isempty', () => [f('latestRunUser', 'isempty')], []],
    ['isnotempty', () => [f('latestRunUser', 'isnotempty')], ['alpha', 'bravo', 'echo']],
  ],
  latestRunStatus: [
    ['equals', () => [f('latestRunStatus', 'equals', 'COMPLETED')], ['alpha', 'delta']],
    [
      'notequals never matches pipelines without a run',
      () => [f('latestRunStatus', 'notequals', 'COMPLETED')],
      ['bravo', 'echo'],
    ],
    ['contains', () => [f('latestRunStatus', 'contains', 'let')], ['alpha', 'delta']],
    ['notcontains', () => [f('latestRunStatus', 'notcontains', 'ERR')], ['alpha', 'delta', 'echo']],
    ['startswith', () => [f('latestRunStatus', 'startswith', 'err')], ['bravo']],
    ['endswith', () => [f('latestRunStatus', 'endswith', 'ING')], ['echo']],
    ['oneof', () => [f('latestRunStatus', 'oneof', ['ERROR', 'EXECUTING'])], ['bravo', 'echo']],
    ['notoneof', () => [f('latestRunStatus', 'notoneof', ['ERROR'])], ['alpha', 'delta', 'echo']],
    ['isempty never matches pipelines without a run', () => [f('latestRunStatus', 'isempty')], []],
    ['isnotempty', () => [f('latestRunStatus', 'isnotempty')], ['alpha', 'bravo', 'delta', 'echo']],
  ],
  'lastRunAt (datetime)': [
    ['equals', () => [f('lastRunAt', 'equals', at(10))], ['alpha']],
    ['notequals does not match NULL', () => [f('lastRunAt', 'notequals', at(10))], ['bravo', 'delta', 'echo']],
    ['gt', () => [f('lastRunAt', 'gt', at(10))], ['bravo', 'echo']],
    ['gte', () => [f('lastRunAt', 'gte', at(10))], ['alpha', 'bravo', 'echo']],
    ['lt', () => [f('lastRunAt', 'lt', at(20))], ['alpha', 'delta']],
    ['lte', () => [f('lastRunAt', 'lte', at(20))], ['alpha', 'bravo', 'delta']],
    ['in is inclusive', () => [f('lastRunAt', 'in', [at(5), at(20)])], ['alpha', 'bravo', 'delta']],
    ['isempty', () => [f('lastRunAt', 'isempty')], ['charlie', 'foxtrot']],
    ['isnotempty', () => [f('lastRunAt', 'isnotempty')], ['alpha', 'bravo', 'delta', 'echo']],
  ],
  'createdAt and updatedAt (datetime)': [
    ['equals to the millisecond', () => [f('createdAt', 'equals', at(3, 7))], ['charlie']],
    ['equals one millisecond off', () => [f('createdAt', 'equals', at(3, 8))], []],
    ['notequals', () => [f('createdAt', 'notequals', at(3, 7))], except('charlie')],
    ['gt', () => [f('createdAt', 'gt', at(3, 7))], ['delta', 'echo', 'foxtrot']],
    ['gte', () => [f('createdAt', 'gte', at(3, 7))], ['charlie', 'delta', 'echo', 'foxtrot']],
    ['lt', () => [f('createdAt', 'lt', at(2))], ['alpha']],
    ['lte', () => [f('createdAt', 'lte', at(2))], ['alpha', 'bravo']],
    ['in is inclusive', () => [f('createdAt', 'in', [at(2), at(4)])], ['bravo', 'charlie', 'delta']],
    ['isempty', () => [f('createdAt', 'isempty')], []],
    ['isnotempty', () => [f('createdAt', 'isnotempty')], ALL],
    ['updatedAt gt', () => [f('updatedAt', 'gt', at(40))], ['delta']],
    ['updatedAt lte', () => [f('updatedAt', 'lte', at(6))], except('delta')],
  ],
  'enabled and scheduled (bool)': [
    ['enabled equals true', () => [f('enabled', 'equals', true)], ['alpha', 'charlie', 'delta', 'echo']],
    ['enabled equals false', () => [f('enabled', 'equals', false)], ['bravo', 'foxtrot']],
    ['enabled notequals true', () => [f('enabled', 'notequals', true)], ['bravo', 'foxtrot']],
    ['enabled isempty', () => [f('enabled', 'isempty')], []],
    ['enabled isnotempty', () => [f('enabled', 'isnotempty')], ALL],
    ['scheduled equals true', () => [f('scheduled', 'equals', true)], ['alpha', 'charlie', 'echo']],
    ['scheduled equals false', () => [f('scheduled', 'equals', false)], ['bravo', 'delta', 'foxtrot']],
    ['scheduled notequals true', () => [f('scheduled', 'notequals', true)], ['bravo', 'delta', 'foxtrot']],
    ['scheduled notequals false', () => [f('scheduled', 'notequals', false)], ['alpha', 'charlie', 'echo']],
  ],
  'tags (one EXISTS per condition)': [
    ['equals', () => [f('tags', 'equals', 'red')], ['alpha', 'bravo']],
    ['equals is case-sensitive', () => [f('tags', 'equals', 'RED')], []],
    ['notequals: some other tag', () => [f('tags', 'notequals', 'red')], ['alpha', 'delta', 'echo']],
    ['contains', () => [f('tags', 'contains', 'RE')], ['alpha', 'bravo', 'delta']],
    ['notcontains: some tag without it', () => [f('tags', 'notcontains', 'e')], ['echo']],
    ['startswith', () => [f('tags', 'startswith', 'GR')], ['delta']],
    ['endswith', () => [f('tags', 'endswith', 'ue')], ['alpha']],
    ['oneof', () => [f('tags', 'oneof', ['blue', 'green'])], ['alpha', 'delta']],
    ['notoneof', () => [f('tags', 'notoneof', ['red'])], ['alpha', 'delta', 'echo']],
    ['isempty: no tags', () => [f('tags', 'isempty')], ['charlie', 'foxtrot']],
    ['isnotempty: at least one tag', () => [f('tags', 'isnotempty')], ['alpha', 'bravo', 'delta', 'echo']],
    [
      'two conditions may be met by different tags',
      () => [f('tags', 'equals', 'red'), f('tags', 'equals', 'blue')],
      ['alpha'],
    ],
    ['two conditions no pipeline meets', () => [f('tags', 'equals', 'red'), f('tags', 'equals', 'green')], []],
  ],
  'search (name substring)': [
    ['contains is case-insensitive', () => [f('search', 'contains', 'HAR')], ['charlie']],
    ['contains', () => [f('search', 'contains', 'o')], ['bravo', 'echo', 'foxtrot']],
  ],
};

/** Filters over the pipeline fields, with their combination rules. */
export function pipelineFilterSuite(factory: StorageFactory): void {
  describe('pipeline filters', () => {
    const ctx: SuiteContext = useStorage(factory);
    let catalog: Catalog;

    beforeAll(async () => {
      catalog = await buildCatalog(ctx.fx);
    });

    async function names(query: Partial<PipelineQuery>): Promise<string[]> {
      const page = await ctx.storage.pipelines.list(adminView(catalog.orgId), {
        filters: [],
        logical: 'and',
        sort: [],
        page: { page: 1, size: 100 },
        ...query,
      });
      expect(page.total).toBe(page.items.length);
      return nameSet(page.items);
    }

    for (const [group, cases] of Object.entries(CASES)) {
      describe(group, () => {
        for (const [title, filters, expected] of cases) {
          it(title, async () => {
            const want = typeof expected === 'function' ? expected(catalog) : expected;
            expect(await names({ filters: filters(catalog) })).toEqual([...want].sort());
          });
        }
      });
    }

    describe('combination', () => {
      it('or', async () => {
        expect(
          await names({ logical: 'or', filters: [f('name', 'equals', 'alpha'), f('name', 'equals', 'bravo')] }),
        ).toEqual(['alpha', 'bravo']);
      });
      it('and', async () => {
        expect(
          await names({ logical: 'and', filters: [f('type', 'equals', 'ETL'), f('enabled', 'equals', true)] }),
        ).toEqual(['alpha', 'delta']);
      });
      it('or over different tag conditions', async () => {
        expect(
          await names({ logical: 'or', filters: [f('tags', 'equals', 'green'), f('tags', 'equals', 'gold')] }),
        ).toEqual(['delta', 'echo']);
      });
      it('zero filters restrict nothing, with and or or', async () => {
        expect(await names({ logical: 'and', filters: [] })).toEqual(ALL);
        expect(await names({ logical: 'or', filters: [] })).toEqual(ALL);
      });
      it('required filters are ANDed with an or', async () => {
        expect(
          await names({
            logical: 'or',
            filters: [f('name', 'equals', 'alpha'), f('name', 'equals', 'bravo')],
            required: [f('enabled', 'equals', true)],
          }),
        ).toEqual(['alpha']);
      });
      it('required filters apply alone when there are no filters', async () => {
        expect(await names({ logical: 'or', filters: [], required: [f('type', 'equals', 'ETL')] })).toEqual([
          'alpha',
          'delta',
        ]);
      });
      it('every required filter must hold', async () => {
        expect(await names({ required: [f('type', 'equals', 'ETL'), f('scheduled', 'equals', true)] })).toEqual([
          'alpha',
        ]);
      });
    });

    describe('LIKE metacharacters are matched literally', () => {
      let orgId: string;
      beforeAll(async () => {
        const org = await ctx.fx.org();
        const owner = await ctx.fx.memberUser(org);
        const wf = await ctx.fx.workflow(org, owner);
        orgId = org.id;
        for (const name of ['x_y', 'xzy', 'x%y', 'xzy%', 'x\\y', 'xy\\', 'xy'])
          await ctx.fx.pipeline(org, owner, wf, { name });
      });
      const search = async (field: PipelineField, op: Filter['op'], value: string) =>
        nameSet(
          (
            await ctx.storage.pipelines.list(adminView(orgId), {
              filters: [f(field, op, value)],
              logical: 'and',
              sort: [],
              page: { page: 1, size: 50 },
            })
          ).items,
        );

      it('_ in contains / startswith / notcontains', async () => {
        expect(await search('search', 'contains', '_')).toEqual(['x_y']);
        expect(await search('name', 'startswith', 'X_')).toEqual(['x_y']);
        expect(await search('name', 'notcontains', '_')).toEqual(['x%y', 'x\\y', 'xy', 'xy\\', 'xzy', 'xzy%'].sort());
      });
      it('% in contains / startswith / endswith', async () => {
        expect(await search('search', 'contains', '%')).toEqual(['x%y', 'xzy%']);
        expect(await search('name', 'startswith', 'x%')).toEqual(['x%y']);
        expect(await search('name', 'endswith', '%')).toEqual(['xzy%']);
      });
      it('\\ in contains / startswith / endswith', async () => {
        expect(await search('name', 'contains', '\\')).toEqual(['x\\y', 'xy\\']);
        expect(await search('name', 'startswith', 'X\\')).toEqual(['x\\y']);
        expect(await search('name', 'endswith', '\\')).toEqual(['xy\\']);
        expect(await search('name', 'contains', '\\y')).toEqual(['x\\y']);
      });
      it('equals is exact', async () => {
        expect(await search('name', 'equals', 'x_y')).toEqual(['x_y']);
        expect(await search('name', 'equals', 'x%y')).toEqual(['x%y']);
      });
    });
  });
}
