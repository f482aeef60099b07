import type { ConnectionKinds } from '../ports/connection-kinds.js';
import type { EventSink } from '../ports/event-sink.js';
import type { DefinitionValidator, Executor } from '../ports/executor.js';
import type { Scheduler } from '../ports/scheduler.js';
import type { Storage } from '../ports/storage.js';
import type { Clock, IdGenerator, SecretHasher, SecretSealer, TokenSigner } from '../ports/system.js';

/** What the application services are built from; every field is a port. */
export interface CoreDeps {
  storage: Storage;
  clock: Clock;
  ids: IdGenerator;
  hasher: SecretHasher;
  sealer: SecretSealer;
  tokens: TokenSigner;
  scheduler: Scheduler;
  executor: Executor;
  events: EventSink;
  definitions: DefinitionValidator;
  /** What connection kinds exist and hold (the engine); default: any kind, common secret names. */
  connectionKinds: ConnectionKinds;
  settings: CoreSettings;
}

export interface CoreSettings {
  /** Cron schedules may not fire more often than this (seconds). */
  minScheduleIntervalSeconds: number;
  /** Access token lifetime (seconds); null: tokens do not expire (ZenML's default). */
  tokenTtlSeconds: number | null;
  /**
   * The server's own organization (the one it was bootstrapped with): its admins are server
   * admins, who may set other organizations' limits (concurrent runs). Default "default".
   */
  serverOrgSlug: string;
}

export const DEFAULT_SETTINGS: CoreSettings = { minScheduleIntervalSeconds: 60, tokenTtlSeconds: 24 * 3600, serverOrgSlug: 'default' };
