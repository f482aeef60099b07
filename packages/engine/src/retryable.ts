/**
 * Which connector failures are worth another attempt of the run: the network or the server
 * was not there for a moment (refused or reset connections, timeouts, a database shutting down
 * or out of connections). Bad settings, missing tables, rejected data and validation errors
 * are not: they fail the same way every time.
 */

/** Node and undici error codes of connections that failed or timed out. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'EHOSTDOWN',
  'EAI_AGAIN',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_SOCKET',
]);

/**
 * Postgres SQLSTATEs of a connection or server in trouble: class 08 (connection exception),
 * too many connections, shutdown / cannot connect now, serialization failure and deadlock,
 * statement and lock timeouts.
 */
const TRANSIENT_SQLSTATES = new Set(['53300', '57P01', '57P02', '57P03', '40001', '40P01', '57014', '55P03']);

/** What node-postgres says, without a code, when a connection dropped or timed out. */
const PG_TRANSIENT_MESSAGES =
  /^(timeout expired|Connection terminated unexpectedly|Connection terminated due to connection timeout|Query read timeout|Client has encountered a connection error and is not queryable)$/;

/** Error names of timeouts (AbortSignal.timeout, undici). */
const TIMEOUT_NAMES = new Set(['TimeoutError', 'ConnectTimeoutError', 'HeadersTimeoutError', 'BodyTimeoutError']);

function retryableItself(error: object): boolean | null {
  const e = error as { retryable?: unknown; code?: unknown; name?: unknown; message?: unknown };
  // A connector's own word wins (RetryableError, or `retryable: false` on purpose).
  if (typeof e.retryable === 'boolean') return e.retryable;
  if (typeof e.code === 'string') {
    if (NETWORK_CODES.has(e.code)) return true;
    if (/^[0-9A-Z]{5}$/.test(e.code)) return e.code.startsWith('08') || TRANSIENT_SQLSTATES.has(e.code);
  }
  if (typeof e.name === 'string' && TIMEOUT_NAMES.has(e.name)) return true;
  if (typeof e.message === 'string' && PG_TRANSIENT_MESSAGES.test(e.message)) return true;
  return null;
}

/**
 * Whether `error` is transient: looks at the error, then its `cause` chain and the errors of an
 * AggregateError (a connection to "localhost" tries ::1 and 127.0.0.1), a few levels deep.
 */
export function isRetryable(error: unknown, depth = 0): boolean {
  if (error === null || typeof error !== 'object' || depth > 5) return false;
  const own = retryableItself(error);
  if (own !== null) return own;
  const inner = [(error as { cause?: unknown }).cause, ...(error instanceof AggregateError ? error.errors : [])];
  return inner.some((e) => isRetryable(e, depth + 1));
}
