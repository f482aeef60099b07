import { RetryableError } from '../../errors.js';
import type { DestinationConnector } from '../types.js';

interface WebhookSettings {
  url: string;
  headers?: Record<string, string>;
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
 * POSTs each batch as `{runId, workflowId, file, records}` JSON. Network errors, 408,
 * 429 and 5xx are retried with exponential backoff; when attempts run out the
 * destination has failed (the run ends as ERROR, or is tried again by its pipeline's retry
 * policy). Other 4xx answers fail the batch's records in Finalize.
 */
export const webhookDestination: DestinationConnector = {
  name: 'webhook',
  description: 'POSTs batches of records as JSON to a URL, with retries.',
  settingsSchema: {
    type: 'object',
    properties: {
      url: { type: 'string', pattern: '^https?://', format: 'uri' },
      headers: { type: 'object', additionalProperties: { type: 'string' } },
      maxAttempts: { type: 'integer', minimum: 1, maximum: 10, default: 5 },
      backoffMs: { type: 'integer', minimum: 0, maximum: 60000, default: 500 },
      timeoutMs: { type: 'integer', minimum: 100, maximum: 300000, default: 10000 },
    },
    required: ['url'],
    additionalProperties: false,
  },
  async open(raw, ctx) {
    const settings = raw as unknown as WebhookSettings;
    const attempts = settings.maxAttempts ?? 5;
    const backoff = settings.backoffMs ?? 500;
    const headers = { ...settings.headers, 'content-type': 'application/json' };
    return {
      async write(records, file) {
        const body = JSON.stringify({ runId: ctx.run.id, workflowId: ctx.workflow.id, file: file?.path ?? null, records });
        let last = '';
        // Why the last try failed: a status worth retrying, or the network error (its code says if transient).
        let lastError: unknown = null;
        for (let attempt = 1; attempt <= attempts; attempt++) {
          if (attempt > 1) await sleep(backoff * 2 ** (attempt - 2), ctx.signal);
          try {
            const signal = AbortSignal.any([ctx.signal, AbortSignal.timeout(settings.timeoutMs ?? 10_000)]);
            const res = await fetch(settings.url, { method: 'POST', headers, body, signal });
            await res.arrayBuffer().catch(() => undefined); // free the connection
            if (res.ok) return { failed: [] };
            last = `answered ${res.status} ${res.statusText}`.trim();
            if (!isRetryable(res.status)) return { failed: records.map((_, index) => ({ index, error: `webhook ${last}` })) };
            lastError = new RetryableError(last);
          } catch (e) {
            if (ctx.signal.aborted) throw e;
            last = (e as Error).cause ? String(((e as Error).cause as Error).message ?? (e as Error).cause) : (e as Error).message;
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
