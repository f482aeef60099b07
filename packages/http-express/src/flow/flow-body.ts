import { ValidationError } from '@pipewright/core';
import express, { type Request } from 'express';

/**
 * Reads the body as text whatever its Content-Type: Flow's own examples post JSON with
 * `requests.post(url, data=json.dumps(args))`, which sends no JSON content type.
 */
export const readFlowBody = express.text({ type: () => true, limit: '1mb' });

/** The JSON object in the body, or an empty object when there is none. */
export function flowJsonBody(req: Request): Record<string, unknown> {
  // Another router's parser may have parsed it already.
  if (req.body !== undefined && typeof req.body === 'object' && !Buffer.isBuffer(req.body))
    return req.body as Record<string, unknown>;
  const text = typeof req.body === 'string' ? req.body.trim() : '';
  if (!text) return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ValidationError('Request body must be valid JSON.');
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw new ValidationError('Request body must be a JSON object.');
  return value as Record<string, unknown>;
}
