import 'reflect-metadata';
import { Container } from 'inversify';

/**
 * Service identifiers. The core's ports first (an embedder may rebind any of them before the
 * core is resolved), then the infrastructure that serves them and the HTTP side.
 */
export const TYPES = {
  // The core's ports.
  Storage: Symbol.for('Storage'),
  Clock: Symbol.for('Clock'),
  IdGenerator: Symbol.for('IdGenerator'),
  SecretHasher: Symbol.for('SecretHasher'),
  SecretSealer: Symbol.for('SecretSealer'),
  TokenSigner: Symbol.for('TokenSigner'),
  /** The security provider behind the three ports above (one server secret). */
  Security: Symbol.for('Security'),
  Scheduler: Symbol.for('Scheduler'),
  Executor: Symbol.for('Executor'),
  EventSink: Symbol.for('EventSink'),
  DefinitionValidator: Symbol.for('DefinitionValidator'),
  ConnectionKinds: Symbol.for('ConnectionKinds'),
  /** The scheduler's fire ledger, or null (no scheduler in this process). */
  ScheduleFireLedger: Symbol.for('ScheduleFireLedger'),
  /** The run queue's worker registry, or null (runs execute in process). */
  WorkerDirectory: Symbol.for('WorkerDirectory'),
  CoreSettings: Symbol.for('CoreSettings'),
  /** The assembled core. */
  Core: Symbol.for('Core'),
  // Infrastructure.
  Config: Symbol.for('Config'),
  Logger: Symbol.for('Logger'),
  Metrics: Symbol.for('Metrics'),
  /** The storage with its lifecycle (opened and migrated when resolved). */
  StorageHandle: Symbol.for('StorageHandle'),
  /** The run engine (InProcessExecutor): executes runs here, or on a queue worker. */
  Engine: Symbol.for('Engine'),
  /** The run queue's connection, or null (in-process executor). */
  Queue: Symbol.for('Queue'),
  /** This process's queue worker, or null. */
  QueueWorker: Symbol.for('QueueWorker'),
  /** The node-cron scheduler, or null when this process runs none. */
  CronScheduler: Symbol.for('CronScheduler'),
  /** The schedule listener's own connection pool, or null. */
  ScheduleListenPool: Symbol.for('ScheduleListenPool'),
  /** Where uploaded files wait for their runs. */
  Uploads: Symbol.for('Uploads'),
  // HTTP.
  RouteSets: Symbol.for('RouteSets'),
  Readiness: Symbol.for('Readiness'),
  HttpApp: Symbol.for('HttpApp'),
} as const;

/** An empty container for the server's modules (`infrastructureModule`, `coreModule`, `httpModule`). */
export function newContainer(): Container {
  return new Container({ defaultScope: 'Singleton' });
}
