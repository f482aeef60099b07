import {
  ApiKey,
  Connection,
  FileHistory,
  Invitation,
  Organization,
  Pipeline,
  Run,
  Tag,
  User,
  Workflow,
  type FileExecution,
  type Membership,
  type RunLog,
} from '@pipewright/core';
import type { RowOf } from './tables.js';

/**
 * Row <-> domain mapping, in one place. Rows are deep copies of aggregate states both
 * ways, so no caller ever holds an object the store also holds.
 */
const copy = <T>(value: T): T => structuredClone(value);

export const toRow = {
  organization: (x: Organization) => copy(x.toState()),
  user: (x: User) => copy(x.toState()),
  membership: (x: Membership) => copy(x),
  pipeline: (x: Pipeline) => copy(x.toState()),
  run: (x: Run) => copy(x.toState()),
  runLog: (x: RunLog) => copy(x),
  fileExecution: (x: FileExecution) => copy(x),
  workflow: (x: Workflow) => copy(x.toState()),
  connection: (x: Connection) => copy(x.toState()),
  fileHistory: (x: FileHistory) => copy(x.toState()),
  apiKey: (x: ApiKey) => copy(x.toState()),
  tag: (x: Tag) => copy(x.toState()),
  invitation: (x: Invitation) => copy(x.toState()),
};

export const fromRow = {
  organization: (r: RowOf<'organizations'>) => Organization.restore(copy(r)),
  user: (r: RowOf<'users'>) => User.restore(copy(r)),
  membership: (r: RowOf<'memberships'>) => copy(r),
  pipeline: (r: RowOf<'pipelines'>) => Pipeline.restore(copy(r)),
  run: (r: RowOf<'runs'>) => Run.restore(copy(r)),
  runLog: (r: RowOf<'runLogs'>) => copy(r),
  fileExecution: (r: RowOf<'fileExecutions'>) => copy(r),
  workflow: (r: RowOf<'workflows'>) => Workflow.restore(copy(r)),
  connection: (r: RowOf<'connections'>) => Connection.restore(copy(r)),
  fileHistory: (r: RowOf<'fileHistories'>) => FileHistory.restore(copy(r)),
  apiKey: (r: RowOf<'apiKeys'>) => ApiKey.restore(copy(r)),
  tag: (r: RowOf<'tags'>) => Tag.restore(copy(r)),
  invitation: (r: RowOf<'invitations'>) => Invitation.restore(copy(r)),
};
