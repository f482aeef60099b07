export * from './fire-ledger.js';
export * from './migrate.js';
export * from './misfire-recovery.js';
export * from './node-cron-expression.js';
export * from './node-cron-scheduler.js';
export * from './pg-listen.js';
export * from './schedule-registry.js';
