import type { ConnectionKinds } from '../ports/connection-kinds.js';
import type { EventSink } from '../ports/event-sink.js';
import type { DefinitionValidator, Executor } from '../ports/executor.js';
import type { ScheduleFireLedger, WorkerDirectory } from '../ports/operations.js';
import type { Scheduler } from '../ports/scheduler.js';
import type { Storage } from '../ports/storage.js';
import type { Clock, IdGenerator, PasswordScreen, SecretHasher, SecretSealer, TokenSigner } from '../ports/system.js';

/** What the application services are built from; every field is a port. */
export interface CoreDeps {
  storage: Storage;
  clock: Clock;
  ids: IdGenerator;
  hasher: SecretHasher;
  sealer: SecretSealer;
  tokens: TokenSigner;
  /** Common passwords refused for new passwords; default: none. */
  passwords: PasswordScreen;
  scheduler: Scheduler;
  executor: Executor;
  events: EventSink;
  definitions: DefinitionValidator;
  /** What connection kinds exist and hold (the engine); default: any kind, common secret names. */
  connectionKinds: ConnectionKinds;
  /** The scheduler's fire ledger (read side); null: no scheduler keeps one here. */
  fireLedger: ScheduleFireLedger | null;
  /** The run queue's workers (read side); null: runs execute in process. */
  workers: WorkerDirectory | null;
  settings: CoreSettings;
}

export interface CoreSettings {
  /** Cron schedules may not fire more often than this (seconds). */
  minScheduleIntervalSeconds: number;
  /** Access token lifetime (seconds); null: tokens do not expire (ZenML's default). */
  tokenTtlSeconds: number | null;
  /**
   * The server's own organization (the one it was bootstrapped with). Being its admin no longer
   * makes anyone a server admin (that is a role of the user); kept for callers. Default "default".
   */
  serverOrgSlug: string;
  /**
   * Trusted installs only: an org admin adding a member by email adds them at once, as before
   * invitations existed. Default false: the user is invited and must accept.
   */
  directMembership: boolean;
}

export const DEFAULT_SETTINGS: CoreSettings = {
  minScheduleIntervalSeconds: 60,
  tokenTtlSeconds: 24 * 3600,
  serverOrgSlug: 'default',
  directMembership: false,
};
