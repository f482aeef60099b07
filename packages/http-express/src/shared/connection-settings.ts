import type { Connection } from '@pipewright/core';

/**
 * The settings a partial update sends to core: the connection's current settings that are
 * not secret, with the given ones on top. `null` removes a setting that is not secret; for a
 * secret it is passed on (core removes the secret). Secrets left out or sent as "********"
 * keep their sealed value (core). Secret values never come out of here: only what was given.
 */
export function mergedSettings(current: Connection, given: Record<string, unknown>): Record<string, unknown> {
  const secret = new Set(current.secretFields);
  const out = current.settings;
  for (const [field, value] of Object.entries(given)) {
    if (value === null && !secret.has(field)) delete out[field];
    else out[field] = value;
  }
  return out;
}

/** `has_password`-style flags for the usual secret fields (native answers are snake_case). */
export function secretFlags(connection: Connection): {
  has_password: boolean;
  has_token: boolean;
  has_headers: boolean;
} {
  const fields = new Set(connection.secretFields);
  return { has_password: fields.has('password'), has_token: fields.has('token'), has_headers: fields.has('headers') };
}
