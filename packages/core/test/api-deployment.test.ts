import { ApiDeployment, isOwnerOrSharedUserOrSharedToOrg, ValidationError, type Actor } from '../src/index.js';

const T0 = new Date('2026-01-01T00:00:00Z');
const base = { id: 'd1', orgId: 'o1', workflowId: 'w1', apiName: 'invoices', ownerId: 'u1', now: T0 };
const issuesOf = (work: () => unknown) => {
  try {
    work();
  } catch (e) {
    if (e instanceof ValidationError) return e.issues.map((i) => [i.field, i.code]);
    throw e;
  }
  return [];
};

describe('ApiDeployment', () => {
  it('takes Unstract’s defaults: active, "default api", an empty description', () => {
    const d = ApiDeployment.create(base);
    expect(d.toState()).toMatchObject({
      apiName: 'invoices',
      displayName: 'default api',
      description: '',
      isActive: true,
      sharedUserIds: [],
      sharedToOrg: false,
      createdBy: 'u1',
    });
  });

  it('checks the API name (the URL segment) and the display name together', () => {
    expect(
      issuesOf(() => ApiDeployment.create({ ...base, apiName: 'has space', displayName: 'x'.repeat(31) })),
    ).toEqual([
      ['apiName', 'invalid_api_name'],
      ['displayName', 'max_length'],
    ]);
    expect(issuesOf(() => ApiDeployment.create({ ...base, apiName: 'a'.repeat(31) }))).toEqual([
      ['apiName', 'max_length'],
    ]);
    expect(issuesOf(() => ApiDeployment.create({ ...base, apiName: '' }))).toEqual([['apiName', 'required']]);
  });

  it('changes fields, shares (never with its owner) and is visible as a shareable resource', () => {
    const d = ApiDeployment.create(base);
    const later = new Date('2026-01-02T00:00:00Z');
    d.change({ displayName: ' Renamed ', description: null, isActive: false }, 'u2', later);
    expect(d.toState()).toMatchObject({
      displayName: 'Renamed',
      description: '',
      isActive: false,
      modifiedBy: 'u2',
      updatedAt: later,
    });
    expect(issuesOf(() => d.change({ apiName: 'bad/name' }, 'u2', later))).toEqual([['apiName', 'invalid_api_name']]);
    d.share(['u3', 'u1', 'u3'], false, 'u1', later);
    expect(d.sharedUserIds).toEqual(['u3']);
    const member = (userId: string): Actor => ({ kind: 'user', userId, orgId: 'o1', role: 'member' });
    expect(isOwnerOrSharedUserOrSharedToOrg(member('u3'), d)).toBe(true);
    expect(isOwnerOrSharedUserOrSharedToOrg(member('u4'), d)).toBe(false);
  });
});
