import { ConflictError, NotFoundError, RunInProgressError, UnavailableError, type DomainError } from '@pipewright/core';

/** What a failed statement was writing, to name the conflicting value. */
type Written = Record<string, unknown>;

const conflict = (entity: string, field: string, column: string) => (row: Written) =>
  new ConflictError(entity, field, String(row[column]));
/** A value unique within one organization: the conflict names the organization (the row's org_id). */
const conflictInOrg = (entity: string, field: string, column: string) => (row: Written) =>
  new ConflictError(
    entity,
    field,
    String(row[column]),
    undefined,
    row.org_id === undefined ? undefined : String(row.org_id),
  );

/**
 * Unique constraints (names fixed by the migrations) and the domain error each one
 * means. Both drivers report the violated constraint's name on SQLSTATE 23505.
 */
const UNIQUE_CONSTRAINTS: Record<string, (row: Written) => DomainError> = {
  organizations_pkey: conflict('organization', 'id', 'id'),
  organizations_slug_key: conflict('organization', 'slug', 'slug'),
  organizations_seq_key: conflict('organization', 'seq', 'seq'),
  users_pkey: conflict('user', 'id', 'id'),
  users_email_key: conflict('user', 'email', 'email'),
  workflows_pkey: conflict('workflow', 'id', 'id'),
  workflows_org_name_key: conflictInOrg('workflow', 'name', 'name'),
  users_seq_key: conflict('user', 'seq', 'seq'),
  api_deployments_pkey: conflict('api deployment', 'id', 'id'),
  api_deployments_org_api_name_key: conflictInOrg('api deployment', 'apiName', 'api_name'),
  connections_pkey: conflict('connection', 'id', 'id'),
  connections_seq_key: conflict('connection', 'seq', 'seq'),
  connections_org_name_key: conflictInOrg('connection', 'name', 'name'),
  tags_pkey: conflict('tag', 'id', 'id'),
  tags_org_name_key: conflictInOrg('tag', 'name', 'name'),
  pipelines_pkey: conflict('pipeline', 'id', 'id'),
  pipelines_seq_key: conflict('pipeline', 'seq', 'seq'),
  pipelines_org_name_key: conflictInOrg('pipeline', 'name', 'name'),
  runs_pkey: conflict('run', 'id', 'id'),
  runs_seq_key: conflict('run', 'seq', 'seq'),
  runs_one_open_per_pipeline: (row) => new RunInProgressError(String(row.pipeline_id)),
  file_histories_pkey: conflict('fileHistory', 'id', 'id'),
  file_histories_file_key: conflict('fileHistory', 'filePath', 'file_path'),
  api_keys_pkey: conflict('apiKey', 'id', 'id'),
  api_keys_secret_hash_key: conflict('apiKey', 'secretHash', 'secret_hash'),
  invitations_pkey: conflict('invitation', 'id', 'id'),
  invitations_org_email_key: conflictInOrg('invitation', 'email', 'email'),
};

/**
 * Foreign keys (SQLSTATE 23503) whose violation a race explains rather than a bug: a run's
 * log line or file execution written after the run went (deleted with its pipeline).
 */
const FOREIGN_KEYS: Record<string, (row: Written) => DomainError> = {
  run_logs_run_id_fkey: (row) => new NotFoundError('Run', String(row.run_id)),
  file_executions_run_id_fkey: (row) => new NotFoundError('Run', String(row.run_id)),
};

interface PgError {
  code?: string;
  constraint?: string;
}

/** The domain error for a database error, or the error itself when it means nothing to the domain. */
export function translateError(error: unknown, row: Written): unknown {
  const e = error as PgError;
  if (!e?.constraint) return error;
  if (e.code === '23505') return UNIQUE_CONSTRAINTS[e.constraint]?.(row) ?? error;
  if (e.code === '23503') return FOREIGN_KEYS[e.constraint]?.(row) ?? error;
  return error;
}

/** Runs a write, turning unique violations into ConflictError / RunInProgressError (and a gone run into NotFoundError). */
export async function writing<T>(row: Written, statement: () => Promise<T>): Promise<T> {
  try {
    return await statement();
  } catch (error) {
    throw translateError(error, row);
  }
}

/** SQLSTATE query_canceled: the statement timeout expired, or someone cancelled the statement. */
const QUERY_CANCELED = '57014';

export const STATEMENT_TIMEOUT_MESSAGE =
  'The query took too long and was cancelled (statement timeout); narrow the request or try again shortly.';
export const ABANDONED_MESSAGE = 'The query was cancelled: nobody waits for its answer any more.';

/**
 * A statement the database cancelled becomes UnavailableError (retry later, answered 503 by every
 * dialect), keeping the driver's error as `cause`; `abandoned` tells a cancel of ours (the
 * caller went away) from the statement timeout. Any other error is returned as it is.
 */
export function translateCancel(error: unknown, abandoned: boolean): unknown {
  if ((error as PgError)?.code !== QUERY_CANCELED) return error;
  return new UnavailableError(abandoned ? ABANDONED_MESSAGE : STATEMENT_TIMEOUT_MESSAGE, { cause: error });
}
