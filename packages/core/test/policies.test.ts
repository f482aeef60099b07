import {
  FLOW_PERMISSIONS,
  NotFoundError,
  PermissionDeniedError,
  assertCanChange,
  assertCanSee,
  canExecute,
  flowAccess,
  isOwner,
  isOwnerOrSharedUserOrSharedToOrg,
  visibilityFor,
  visibleUnder,
} from '@pipewright/core';
import { ADMIN, FRIEND, OTHER_ORG, OWNER, STRANGER, actor, pipeline } from './fixtures.js';

describe('permission policies', () => {
  const shared = pipeline();
  shared.share([FRIEND], false, OWNER, new Date());
  const orgShared = pipeline();
  orgShared.share([], true, OWNER, new Date());

  const owner = actor(OWNER);
  const admin = actor(ADMIN, { role: 'admin' });
  const service = actor(STRANGER, { kind: 'service' });
  const friend = actor(FRIEND);
  const stranger = actor(STRANGER);
  const outsider = actor(OWNER, { orgId: OTHER_ORG, role: 'admin' });

  it('isOwner: owner, org admin, service principal of the same org', () => {
    expect(isOwner(owner, shared)).toBe(true);
    expect(isOwner(admin, shared)).toBe(true);
    expect(isOwner(service, shared)).toBe(true);
    expect(isOwner(friend, shared)).toBe(false);
    expect(isOwner(outsider, shared)).toBe(false);
  });

  it('isOwnerOrSharedUserOrSharedToOrg adds shared users and the org when shared to it', () => {
    expect(isOwnerOrSharedUserOrSharedToOrg(friend, shared)).toBe(true);
    expect(isOwnerOrSharedUserOrSharedToOrg(stranger, shared)).toBe(false);
    expect(isOwnerOrSharedUserOrSharedToOrg(stranger, orgShared)).toBe(true);
    expect(isOwnerOrSharedUserOrSharedToOrg(outsider, orgShared)).toBe(false);
  });

  it('reports what cannot be seen as not found, what cannot be changed as forbidden', () => {
    expect(() => assertCanSee(stranger, shared, 'Pipeline')).toThrow(NotFoundError);
    expect(() => assertCanSee(owner, null, 'Pipeline')).toThrow(NotFoundError);
    expect(() => assertCanChange(stranger, shared, 'Pipeline')).toThrow(NotFoundError);
    expect(() => assertCanChange(friend, shared, 'Pipeline')).toThrow(PermissionDeniedError);
    expect(assertCanChange(owner, shared, 'Pipeline')).toBe(shared);
  });

  it('derives Flow permissions from the same rules', () => {
    expect(flowAccess(owner, shared)).toEqual({ permissions: [...FLOW_PERMISSIONS], isManager: true });
    expect(flowAccess(admin, shared).isManager).toBe(true);
    expect(flowAccess(friend, shared)).toEqual({
      permissions: ['flow_pipeline:read', 'flow_pipeline:execute'],
      isManager: false,
    });
    expect(flowAccess(stranger, orgShared)).toEqual({ permissions: ['flow_pipeline:read'], isManager: false });
    expect(flowAccess(stranger, shared)).toEqual({ permissions: [], isManager: false });
    expect(canExecute(friend, shared)).toBe(true);
    expect(canExecute(stranger, orgShared)).toBe(false);
  });

  it('has a pushdown form that agrees with the predicate', () => {
    for (const a of [owner, admin, service, friend, stranger, outsider])
      for (const p of [shared, orgShared])
        expect(visibleUnder(visibilityFor(a), p)).toBe(isOwnerOrSharedUserOrSharedToOrg(a, p));
  });
});
