import { UnavailableError, ValidationError, isDomainError } from '@pipewright/core';

/**
 * What the database's own failures mean to the domain. Storage is the only layer that reads
 * SQLSTATEs and driver messages: above it, a lost database is an UnavailableError (answered 503
 * by every dialect) and data the database refuses a ValidationError (400).
 */

export const UNAVAILABLE_MESSAGE = 'The database is unavailable; try again shortly.';
export const UNSTORABLE_TEXT_MESSAGE = 'A text value contains a character that cannot be stored (such as NUL).';
export const BUSY_MESSAGE = 'The database kept aborting this change for concurrent ones; try again shortly.';

interface DriverError {
  code?: unknown;
  message?: unknown;
}

/** Socket errors of the driver (pg, or a proxy in between): the server is out of reach. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
]);
/** SQLSTATEs of a server going away: admin_shutdown, crash_shutdown, cannot_connect_now. */
const SHUTDOWN_CODES = new Set(['57P01', '57P02', '57P03']);
/** pg's own errors for a connection that died or never came (they carry no code). */
const LOST_CONNECTION =
  /Connection terminated|connection timeout|timeout expired|Client has encountered a connection error|Client was closed|Connection closed/i;

/** Data exceptions (class 22) that user input causes, with what to tell the user. */
const DATA_MESSAGES: Record<string, string> = {
  '22021': UNSTORABLE_TEXT_MESSAGE,
  '22P05': UNSTORABLE_TEXT_MESSAGE,
  '22001': 'A text value is too long to be stored.',
  '22003': 'A number is out of the range that can be stored.',
  '22007': 'A date or time is not valid.',
  '22008': 'A date or time is out of range.',
  '22P02': 'A value is not valid for its type.',
};
const DATA_FALLBACK = 'A value cannot be stored as given.';

const codeOf = (error: unknown): string | undefined => {
  const code = (error as DriverError | null)?.code;
  return typeof code === 'string' ? code : undefined;
};

/** SQLSTATE 40P01 (deadlock detected) or 40001 (serialization failure): the transaction may simply be run again. */
export function isRetryableConflict(error: unknown): boolean {
  const code = codeOf(error);
  return code === '40P01' || code === '40001';
}

/** Whether the error says the database is out of reach (connection refused, lost, shut down, out of resources). */
export function isConnectionLoss(error: unknown): boolean {
  const code = codeOf(error);
  if (code)
    return NETWORK_CODES.has(code) || SHUTDOWN_CODES.has(code) || code.startsWith('08') || code.startsWith('53');
  const message = (error as DriverError | null)?.message;
  return typeof message === 'string' && LOST_CONNECTION.test(message);
}

/**
 * The core error for a database failure: connection loss → UnavailableError, a data exception
 * (class 22) → ValidationError; domain errors, retryable conflicts (see `isRetryableConflict`)
 * and anything else are returned as they are. The driver's error stays as `cause`.
 */
export function translateDatabaseError(error: unknown): unknown {
  if (isDomainError(error) || isRetryableConflict(error)) return error;
  if (isConnectionLoss(error)) return new UnavailableError(UNAVAILABLE_MESSAGE, { cause: error });
  const code = codeOf(error);
  if (code?.startsWith('22')) {
    const message = DATA_MESSAGES[code] ?? DATA_FALLBACK;
    const invalid = new ValidationError([{ field: 'non_field_errors', message, code: 'invalid' }]);
    (invalid as Error).cause = error;
    return invalid;
  }
  return error;
}
