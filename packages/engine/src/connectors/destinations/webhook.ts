import { EgressDeniedError } from '../../egress/egress-policy.js';
import { pinnedRequest } from '../../egress/pinned-http.js';
import { RetryableError } from '../../errors.js';
import type { DestinationConnector } from '../types.js';

interface WebhookSettings {
  maxAttempts?: number;
  backoffMs?: number;
  timeoutMs?: number;
}

/** Answers worth another try: timeouts, rate limits and server errors. */
export function isRetryable(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * POSTs each batch as `{runId, workflowId, file, records}` JSON to the URL of the workflow's
 * `webhook` connection, with its headers (and its token as `Authorization: Bearer`). Every
 * request connects to the address the egress policy checked; redirects are followed here,
 * each hop checked again. Network errors, 408,
 * 429 and 5xx are retried with exponential backoff; when attempts run out the
 * destination has failed (the run ends as ERROR, or is tried again by its pipeline's retry
 * policy). Other 4xx answers fail the batch's records in Finalize.
 */
export const webhookDestination: DestinationConnector = {
  name: 'webhook',
  description: 'POSTs batches of records as JSON to a URL, with retries.',
  connection: { kind: 'webhook', required: true },
  settingsSchema: {
    type: 'object',
    properties: {
      maxAttempts: { type: 'integer', minimum: 1, maximum: 10, default: 5 },
      backoffMs: { type: 'integer', minimum: 0, maximum: 60000, default: 500 },
      timeoutMs: { type: 'integer', minimum: 100, maximum: 300000, default: 10000 },
    },
    additionalProperties: false,
  },
  async open(raw, ctx) {
    const settings = raw as unknown as WebhookSettings;
    const attempts = settings.maxAttempts ?? 5;
    const backoff = settings.backoffMs ?? 500;
    const connection = ctx.connection?.settings ?? {};
    if (typeof connection.url !== 'string') throw new Error('no webhook connection with a URL is given.');
    const url = connection.url;
    // Refused targets fail the run before anything is read (each request is checked again).
    const target = new URL(url);
    await ctx.egress
      .check(target.hostname, target.port ? Number(target.port) : target.protocol === 'https:' ? 443 : 80)
      .catch((e: unknown) => {
        // A DNS failure is left to the attempts (and their retries).
        if (e instanceof EgressDeniedError) throw e;
      });
    const own = (connection.headers ?? {}) as Record<string, string>;
    const headers: Record<string, string> = { ...own, 'content-type': 'application/json' };
    if (typeof connection.token === 'string' && connection.token) headers.authorization = `Bearer ${connection.token}`;
    // The connection's own headers and token are not sent on to another origin by a redirect.
    const sensitiveHeaders = [...Object.keys(own), 'authorization'];
    return {
      async write(records, file) {
        const body = JSON.stringify({
          runId: ctx.run.id,
          workflowId: ctx.workflow.id,
          file: file?.path ?? null,
          records,
        });
        let last = '';
        // Why the last try failed: a status worth retrying, or the network error (its code says if transient).
        let lastError: unknown = null;
        for (let attempt = 1; attempt <= attempts; attempt++) {
          if (attempt > 1) await sleep(backoff * 2 ** (attempt - 2), ctx.signal);
          try {
            const signal = AbortSignal.any([ctx.signal, AbortSignal.timeout(settings.timeoutMs ?? 10_000)]);
            const res = await pinnedRequest(ctx.egress, url, {
              method: 'POST',
              headers,
              sensitiveHeaders,
              body,
              signal,
            });
            if (res.status >= 200 && res.status < 300) return { failed: [] };
            last = `answered ${res.status} ${res.statusText}`.trim();
            if (!isRetryable(res.status))
              return { failed: records.map((_, index) => ({ index, error: `webhook ${last}` })) };
            lastError = new RetryableError(last);
          } catch (e) {
            // Refused by the egress policy, or aborted: no point in another attempt.
            if (ctx.signal.aborted || (e as { retryable?: unknown }).retryable === false) throw e;
            last = (e as Error).message || String((e as { code?: unknown }).code ?? e);
            lastError = e;
          }
          ctx.logger.warn('Finalize', `webhook attempt ${attempt}/${attempts} failed: ${last}`);
        }
        throw new Error(`webhook failed after ${attempts} attempts: ${last}`, { cause: lastError });
      },
      async close() {},
    };
  },
};
