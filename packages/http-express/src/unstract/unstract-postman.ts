import type { Request } from 'express';
import { trustedBase } from '../shared/request-url.js';
import { apiEndpoint } from './unstract-views.js';

/** A Postman variable the user fills in when the server cannot name its own address. */
export const BASE_URL_VARIABLE = '{{base_url}}';

/** The base URL of a Postman collection's request: `trustedBase` (null: the user fills in `{{base_url}}`). */
export function publicBase(req: Request, publicUrl?: string, allowedHosts: readonly string[] = []): string | null {
  return trustedBase(req, { publicUrl, allowedHosts });
}

export const POSTMAN_SCHEMA = 'https://schema.getpostman.com/json/collection/v2.1.0/collection.json';

/** A Postman v2.1 collection with one request: POST the pipeline's public deployment route with its key. */
export function postmanCollection(input: {
  name: string;
  base: string | null;
  orgSlug: string;
  pipelineId: string;
  key: string;
}) {
  const path = apiEndpoint(input.orgSlug, input.pipelineId);
  return {
    info: { name: input.name, schema: POSTMAN_SCHEMA, description: '' },
    item: [
      {
        name: 'Process pipeline',
        request: {
          method: 'POST',
          url: input.base
            ? new URL(path, input.base).href
            : `${BASE_URL_VARIABLE}${path.startsWith('/') ? path : `/${path}`}`,
          header: [{ key: 'Authorization', value: `Bearer ${input.key}` }],
          body: { formdata: [], mode: 'formdata' },
        },
      },
    ],
    // Without a known public address the user sets `base_url` (e.g. https://pipes.example.com).
    variable: input.base ? [] : [{ key: 'base_url', value: '', type: 'string' }],
  };
}
