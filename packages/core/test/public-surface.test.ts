import * as core from '@pipewright/core';

// What embedders, adapters and dialects build on is exported; the services' shared helpers are not,
// so they can change without breaking a package outside core.
describe('@pipewright/core public surface', () => {
  it('exports the aggregates, errors, ports, policies and services', () => {
    for (const name of [
      'Pipeline',
      'Run',
      'Workflow',
      'ValidationError',
      'query',
      'createCore',
      'RunLifecycle',
      'isOwner',
      'isUuid',
      'MAX_SEQ',
      'pageForIds',
    ])
      expect(core).toHaveProperty(name);
  });

  it("keeps the services' internals inside", () => {
    for (const name of [
      'checkQuery',
      'canSeeRun',
      'canChangeRun',
      'assertCanSeeRun',
      'lockRun',
      'LOCK_ORDER',
      'Issues',
      'UUID_RE',
      'applySharing',
      'sharingOf',
      'assertMembers',
      'toSchedule',
      'scheduleStartFor',
      'DEFAULT_SETTINGS',
    ])
      expect(core).not.toHaveProperty(name);
  });
});
