import { ConnectorFailure, isRetryable, RetryableError } from '@pipewright/engine';

const withCode = (code: string, message = code) => Object.assign(new Error(message), { code });

describe('isRetryable', () => {
  it.each([
    ['a refused connection', withCode('ECONNREFUSED')],
    ['a reset connection', withCode('ECONNRESET')],
    ['a network timeout', withCode('ETIMEDOUT')],
    ['a DNS lookup to try again', withCode('EAI_AGAIN')],
    [
      '"localhost" refused on ::1 and 127.0.0.1',
      new AggregateError([withCode('ECONNREFUSED'), withCode('ECONNREFUSED')], 'connect failed'),
    ],
    ['fetch failing on a socket error', new TypeError('fetch failed', { cause: withCode('UND_ERR_SOCKET') })],
    ['an AbortSignal.timeout', new DOMException('The operation was aborted due to timeout', 'TimeoutError')],
    ['a Postgres connection exception (class 08)', withCode('08006')],
    ['Postgres shutting down', withCode('57P01')],
    ['Postgres out of connections', withCode('53300')],
    ['a statement timeout', withCode('57014')],
    ['a serialization failure', withCode('40001')],
    ['node-postgres connection timeout', new Error('timeout expired')],
    ['node-postgres dropped connection', new Error('Connection terminated unexpectedly')],
    ['a connector saying so', new RetryableError('try later')],
    ['a wrapped transient cause', new Error('webhook failed after 5 attempts', { cause: withCode('ECONNREFUSED') })],
  ])('%s is retryable', (_, error) => {
    expect(isRetryable(error)).toBe(true);
  });

  it.each([
    ['a missing table', withCode('42P01', 'relation "x" does not exist')],
    ['a unique violation', withCode('23505')],
    ['bad data', withCode('22P02')],
    ['bad credentials', withCode('28P01')],
    ['an unknown host', withCode('ENOTFOUND')],
    ['a plain error', new Error('boom')],
    ['a connector saying no, whatever the code', Object.assign(withCode('ECONNRESET'), { retryable: false })],
    ['not an error', 'ECONNREFUSED'],
    ['nothing', null],
  ])('%s is not retryable', (_, error) => {
    expect(isRetryable(error)).toBe(false);
  });

  it('stops at a cause chain that loops', () => {
    const a = new Error('a') as Error & { cause?: unknown };
    a.cause = new Error('b', { cause: a });
    expect(isRetryable(a)).toBe(false);
  });

  it('classifies connector failures by their cause', () => {
    expect(new ConnectorFailure('source', 'postgres', withCode('ECONNREFUSED')).retryable).toBe(true);
    expect(new ConnectorFailure('destination', 'postgres', withCode('42P01')).retryable).toBe(false);
  });
});
