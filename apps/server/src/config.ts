import { resolve } from 'node:path';

/** What a process does: serve HTTP, fire schedules, execute runs. */
export type Role = 'api' | 'scheduler' | 'worker';
const ROLES: readonly Role[] = ['api', 'scheduler', 'worker'];

/** Everything the server reads from its environment, parsed once. */
export interface ServerConfig {
  port: number;
  host: string;
  /** Postgres connection string; absent means embedded PGlite in `dataDir`. */
  databaseUrl: string | undefined;
  dataDir: string;
  secret: string | undefined;
  adminEmail: string;
  adminPassword: string | undefined;
  defaultOrg: string;
  logLevel: string;
  schedulerEnabled: boolean;
  /** What happens to fires missed while every process was down: recorded only, or one late run. */
  misfirePolicy: 'skip' | 'run-once';
  /** Runs one process executes at once. */
  runConcurrency: number;
  /** A run's lease: past it without a heartbeat, the run counts as interrupted. */
  runLeaseMs: number;
  /**
   * PIPEWRIGHT_RUN_TIMEOUT_MS (default 3 600 000: 1 h): the operator's maximum run time; runs still
   * going after this long are stopped (null, from 0: never). A pipeline's own limit applies when shorter.
   */
  runTimeoutMs: number | null;
  /**
   * PIPEWRIGHT_ORG_RUN_CONCURRENCY: runs of one organization executing at once (per process
   * in-process; across all workers with the queue), unless it has its own limit. Null (unset):
   * half of the slots, rounded up.
   */
  orgRunConcurrency: number | null;
  /**
   * PIPEWRIGHT_STATEMENT_TIMEOUT_MS (default 10 000; 0: none): Postgres cancels a statement of the
   * server's storage pool running longer (the request answers 503). Migrations are not bound by it.
   */
  statementTimeoutMs: number;
  /**
   * PIPEWRIGHT_LISTS_PER_ORG (default 4; 0: no limit): list queries of one organization a process
   * runs at once for requests on Postgres; more wait their turn, so one tenant cannot take the pool.
   */
  listsPerOrganization: number;
  /**
   * PIPEWRIGHT_STAGE_SANDBOX (default on): tenants' stages (JSON Schemas, JSONata filter and
   * transformation) run in child processes with the limits below, not on the server's thread.
   */
  stageSandbox: boolean;
  /** PIPEWRIGHT_STAGE_MEMORY_MB: heap limit of each sandbox process (default 128). */
  stageMemoryMb: number;
  /** PIPEWRIGHT_STAGE_BATCH_TIMEOUT_MS: wall-clock limit of one batch's stages (default 10 000). */
  stageBatchTimeoutMs: number;
  /** PIPEWRIGHT_STAGE_WORKERS: sandbox processes kept warm, evaluating at once (default 2). */
  stageWorkers: number;
  fileRoot: string;
  /** PIPEWRIGHT_UPLOAD_MAX_FILE_MB: largest uploaded file (default 50). */
  uploadMaxFileMb: number;
  /** PIPEWRIGHT_UPLOAD_MAX_REQUEST_MB: largest upload request body, all files together (default 200). */
  uploadMaxRequestMb: number;
  /**
   * PIPEWRIGHT_UPLOAD_MAX_ORG_MB: uploaded bytes one organization may hold at once, received and
   * not yet consumed by their runs (default 1024); counted per server process.
   */
  uploadMaxOrgMb: number;
  publicUrl: string | undefined;
  tokenTtlSeconds: number | null;
  minScheduleIntervalSeconds: number;
  shutdownGraceMs: number;
  loginRateLimitPerMinute: number;
  /**
   * PIPEWRIGHT_TRUST_PROXY: Express's `trust proxy` (hops, `loopback`, addresses or CIDRs), so that
   * behind a TLS proxy the request counts as https (Secure cookie) and the client address is right.
   * Unset: no proxy is trusted.
   */
  trustProxy: boolean | number | string | undefined;
  /** PIPEWRIGHT_METRICS_TOKEN: when set, `/metrics` answers only `Authorization: Bearer <token>`. */
  metricsToken: string | undefined;
  /**
   * PIPEWRIGHT_DIRECT_MEMBERSHIP: trusted installs only; an org admin adding an existing user by
   * email adds them at once. Default false: the user is invited and accepts.
   */
  directMembership: boolean;
  /**
   * PIPEWRIGHT_ALLOWED_HOSTS: comma-separated hosts (with the port unless default) that absolute
   * links may name when no public URL is set; for any other Host header, links stay relative.
   */
  allowedHosts: string[];
  /** PIPEWRIGHT_HEAP_GROWING_PERCENT: how far V8 lets the old generation outgrow its live size (0: V8's own). */
  heapGrowingPercent: number;
  /** PIPEWRIGHT_ROLES (default all three: one process does everything, runs executed in-process). */
  roles: Role[];
  /**
   * Where runs execute: `in-process` (this process's engine) or `queue` (pg-boss jobs taken by
   * worker processes). Default: in-process when this process is a worker next to an api or
   * scheduler role, else queue (PIPEWRIGHT_EXECUTOR overrides).
   */
  executor: 'in-process' | 'queue';
  /**
   * PIPEWRIGHT_EGRESS_ALLOW: connector targets allowed although the egress policy would refuse
   * them (comma-separated `host`, `host:port`, CIDR, `[v6]:port`, ip, or `loopback`, `private`,
   * `link-local`).
   */
  egressAllow?: string;
  /** PIPEWRIGHT_EGRESS_DENY: connector targets always refused (same entries as the allow list). */
  egressDeny?: string;
  /**
   * PIPEWRIGHT_EGRESS_ALLOW_CONTROL_DATABASE: lets connectors reach the control plane's own
   * database (refused by default, whatever the allow list says). Off unless set.
   */
  egressAllowControlDatabase: boolean;
}

function roles(raw: string | undefined): Role[] {
  if (raw === undefined || raw.trim() === '') return [...ROLES];
  const list = [
    ...new Set(
      raw
        .split(',')
        .map((r) => r.trim().toLowerCase())
        .filter(Boolean),
    ),
  ];
  const bad = list.filter((r) => !ROLES.includes(r as Role));
  if (bad.length || !list.length)
    throw new Error(`PIPEWRIGHT_ROLES must list api, scheduler and/or worker; got "${raw}"`);
  return list as Role[];
}

function executor(raw: string | undefined, roleList: readonly Role[]): 'in-process' | 'queue' {
  if (raw === 'in-process' || raw === 'queue') return raw;
  if (raw !== undefined && raw !== '') throw new Error(`PIPEWRIGHT_EXECUTOR must be in-process or queue; got "${raw}"`);
  return roleList.includes('worker') && roleList.length > 1 ? 'in-process' : 'queue';
}

function int(env: NodeJS.ProcessEnv, name: string, fallback: number, min = 0): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw new Error(`${name} must be an integer ≥ ${min}; got "${raw}"`);
  return n;
}

function bool(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const raw = env[name]?.toLowerCase();
  if (raw === undefined || raw === '') return fallback;
  if (['1', 'true', 'on', 'yes'].includes(raw)) return true;
  if (['0', 'false', 'off', 'no'].includes(raw)) return false;
  throw new Error(`${name} must be on or off; got "${env[name]}"`);
}

/** A comma-separated list as given (entries are checked by the egress policy); blank: none. */
function list(raw: string | undefined): string | undefined {
  const trimmed = raw?.trim();
  return trimmed ? trimmed : undefined;
}

function trustProxy(raw: string | undefined): boolean | number | string | undefined {
  const value = raw?.trim();
  if (!value) return undefined;
  if (value === 'true' || value === 'false') return value === 'true';
  return /^\d+$/.test(value) ? Number(value) : value;
}

function misfire(raw: string | undefined): 'skip' | 'run-once' {
  if (raw === undefined || raw === '' || raw === 'skip') return 'skip';
  if (raw === 'run-once') return 'run-once';
  throw new Error(`PIPEWRIGHT_MISFIRE_POLICY must be skip or run-once; got "${raw}"`);
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): ServerConfig {
  const dataDir = resolve(env.PIPEWRIGHT_DATA_DIR || './data');
  const ttl = int(env, 'PIPEWRIGHT_TOKEN_TTL_SECONDS', 86_400);
  // One hour by default: a stuck tenant run does not hold a run slot for ever.
  const runTimeout = int(env, 'PIPEWRIGHT_RUN_TIMEOUT_MS', 3_600_000);
  const orgRunConcurrency = int(env, 'PIPEWRIGHT_ORG_RUN_CONCURRENCY', 0, 1);
  const roleList = roles(env.PIPEWRIGHT_ROLES);
  return {
    roles: roleList,
    executor: executor(env.PIPEWRIGHT_EXECUTOR, roleList),
    port: int(env, 'PORT', 8080),
    host: env.HOST || '0.0.0.0',
    databaseUrl: env.DATABASE_URL || undefined,
    dataDir,
    secret: env.PIPEWRIGHT_SECRET || undefined,
    adminEmail: env.PIPEWRIGHT_ADMIN_EMAIL || 'admin@pipewright.local',
    adminPassword: env.PIPEWRIGHT_ADMIN_PASSWORD || undefined,
    defaultOrg: env.PIPEWRIGHT_DEFAULT_ORG || 'default',
    logLevel: env.LOG_LEVEL || 'info',
    schedulerEnabled: bool(env, 'PIPEWRIGHT_SCHEDULER', true),
    misfirePolicy: misfire(env.PIPEWRIGHT_MISFIRE_POLICY),
    runConcurrency: int(env, 'PIPEWRIGHT_RUN_CONCURRENCY', 4, 1),
    runLeaseMs: int(env, 'PIPEWRIGHT_RUN_LEASE_MS', 30_000, 1000),
    runTimeoutMs: runTimeout === 0 ? null : runTimeout,
    orgRunConcurrency: orgRunConcurrency === 0 ? null : orgRunConcurrency,
    statementTimeoutMs: int(env, 'PIPEWRIGHT_STATEMENT_TIMEOUT_MS', 10_000),
    listsPerOrganization: int(env, 'PIPEWRIGHT_LISTS_PER_ORG', 4),
    stageSandbox: bool(env, 'PIPEWRIGHT_STAGE_SANDBOX', true),
    stageMemoryMb: int(env, 'PIPEWRIGHT_STAGE_MEMORY_MB', 128, 16),
    stageBatchTimeoutMs: int(env, 'PIPEWRIGHT_STAGE_BATCH_TIMEOUT_MS', 10_000, 100),
    stageWorkers: int(env, 'PIPEWRIGHT_STAGE_WORKERS', 2, 1),
    fileRoot: resolve(env.PIPEWRIGHT_FILE_ROOT || resolve(dataDir, 'files')),
    uploadMaxFileMb: int(env, 'PIPEWRIGHT_UPLOAD_MAX_FILE_MB', 50, 1),
    uploadMaxRequestMb: int(env, 'PIPEWRIGHT_UPLOAD_MAX_REQUEST_MB', 200, 1),
    uploadMaxOrgMb: int(env, 'PIPEWRIGHT_UPLOAD_MAX_ORG_MB', 1024, 1),
    publicUrl: env.PIPEWRIGHT_PUBLIC_URL || undefined,
    tokenTtlSeconds: ttl === 0 ? null : ttl,
    minScheduleIntervalSeconds: int(env, 'PIPEWRIGHT_MIN_SCHEDULE_INTERVAL_SECONDS', 60, 1),
    shutdownGraceMs: int(env, 'PIPEWRIGHT_SHUTDOWN_GRACE_MS', 10_000),
    loginRateLimitPerMinute: int(env, 'PIPEWRIGHT_LOGIN_RATE_LIMIT', 10, 1),
    trustProxy: trustProxy(env.PIPEWRIGHT_TRUST_PROXY),
    metricsToken: env.PIPEWRIGHT_METRICS_TOKEN || undefined,
    directMembership: bool(env, 'PIPEWRIGHT_DIRECT_MEMBERSHIP', false),
    allowedHosts: (env.PIPEWRIGHT_ALLOWED_HOSTS ?? '')
      .split(',')
      .map((h) => h.trim().toLowerCase())
      .filter(Boolean),
    heapGrowingPercent: int(env, 'PIPEWRIGHT_HEAP_GROWING_PERCENT', 50),
    egressAllow: list(env.PIPEWRIGHT_EGRESS_ALLOW),
    egressDeny: list(env.PIPEWRIGHT_EGRESS_DENY),
    egressAllowControlDatabase: bool(env, 'PIPEWRIGHT_EGRESS_ALLOW_CONTROL_DATABASE', false),
  };
}
