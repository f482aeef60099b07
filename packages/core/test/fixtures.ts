import { Pipeline, Run, type Actor } from '@pipewright/core';

export const T0 = new Date('2026-01-01T00:00:00Z');
export const later = (ms: number) => new Date(T0.getTime() + ms);

export const ORG = '00000000-0000-4000-8000-000000000001';
export const OTHER_ORG = '00000000-0000-4000-8000-000000000002';
export const OWNER = '10000000-0000-4000-8000-000000000001';
export const FRIEND = '10000000-0000-4000-8000-000000000002';
export const STRANGER = '10000000-0000-4000-8000-000000000003';
export const ADMIN = '10000000-0000-4000-8000-000000000004';

export const actor = (userId: string, over: Partial<Actor> = {}): Actor => ({
  kind: 'user',
  userId,
  orgId: ORG,
  role: 'member',
  ...over,
});

export function pipeline(over: Partial<Parameters<typeof Pipeline.create>[0]> = {}): Pipeline {
  return Pipeline.create({
    id: '20000000-0000-4000-8000-000000000001',
    seq: 7,
    orgId: ORG,
    name: 'nightly',
    workflowId: '30000000-0000-4000-8000-000000000001',
    ownerId: OWNER,
    now: T0,
    ...over,
  });
}

export function run(over: Partial<Parameters<typeof Run.create>[0]> = {}): Run {
  return Run.create({
    id: '40000000-0000-4000-8000-000000000001',
    seq: 1,
    orgId: ORG,
    pipelineId: '20000000-0000-4000-8000-000000000001',
    workflowId: '30000000-0000-4000-8000-000000000001',
    trigger: 'manual',
    triggeredBy: OWNER,
    now: T0,
    ...over,
  });
}
