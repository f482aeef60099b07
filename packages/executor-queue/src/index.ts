export { QueueConnection, type QueueConnectionOptions, type QueueDepth } from './queue-connection.js';
export { QueueExecutor } from './queue-executor.js';
export { QueueWorker, type QueueWorkerOptions } from './queue-worker.js';
export { InterruptRecovery, RESTARTED } from './interrupt-recovery.js';
export { WorkerRegistry, type WorkerInfo } from './worker-registry.js';
export { UploadStore } from './upload-store.js';
export { CANCEL_CHANNEL, RUN_QUEUE, type RunJobData } from './queue-names.js';
export type { RunEngine, WorkerCore } from './worker-ports.js';
