import type { Request } from 'express';
import { apiEndpoint } from './unstract-views.js';

/** The server's public base URL: the configured one behind a proxy, else the request's origin. */
export function publicBase(req: Request, publicUrl?: string): string {
  const base = publicUrl ?? `${req.protocol}://${req.get('host') ?? 'localhost'}`;
  return base.endsWith('/') ? base : `${base}/`;
}

export const POSTMAN_SCHEMA = 'https://schema.getpostman.com/json/collection/v2.1.0/collection.json';

/** A Postman v2.1 collection with one request: POST the pipeline's public deployment route with its key. */
export function postmanCollection(input: { name: string; base: string; orgSlug: string; pipelineId: string; key: string }) {
  return {
    info: { name: input.name, schema: POSTMAN_SCHEMA, description: '' },
    item: [
      {
        name: 'Process pipeline',
        request: {
          method: 'POST',
          url: new URL(apiEndpoint(input.orgSlug, input.pipelineId), input.base).href,
          header: [{ key: 'Authorization', value: `Bearer ${input.key}` }],
          body: { formdata: [], mode: 'formdata' },
        },
      },
    ],
    variable: [],
  };
}
