import type { Request, RequestHandler, Response, Router } from 'express';
import { validationMetadatasToSchemas } from 'class-validator-jsonschema';
import { queryLimits } from './filter-limits.js';

export type JsonSchema = Record<string, unknown>;

export interface OpenApiDocument {
  openapi: string;
  info: { title: string; version: string; description?: string };
  paths: Record<string, Record<string, unknown>>;
  components?: Record<string, unknown>;
  [key: string]: unknown;
}

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete' | 'options';

export interface ParamSpec {
  schema: JsonSchema;
  description?: string;
  required?: boolean;
}

/** A route, declared once: Express registers its handler and the OpenAPI document is generated from it. */
export interface RouteSpec {
  method: Method;
  /** Express path syntax (`/api/v1/pipelines/:id`). */
  path: string;
  summary: string;
  description?: string;
  tags?: string[];
  /** A DTO class (its class-validator rules become the schema) or a JSON Schema. */
  body?: (new () => object) | JsonSchema;
  bodyContentTypes?: string[];
  query?: Record<string, ParamSpec>;
  headers?: Record<string, ParamSpec>;
  responses: Record<number, { description: string; schema?: JsonSchema; contentType?: string }>;
  /** False for routes that need no credential. */
  secured?: boolean;
  /** Middleware run before the handler (body parsers, rate limits). */
  middleware?: RequestHandler[];
  handler: (req: Request, res: Response) => unknown;
}

let dtoSchemas: Record<string, JsonSchema> | null = null;

/** JSON Schemas of every class-validator DTO loaded so far (refreshed per document build). */
function schemaOfClass(cls: new () => object): JsonSchema {
  dtoSchemas = validationMetadatasToSchemas({ refPointerPrefix: '#/components/schemas/' }) as Record<
    string,
    JsonSchema
  >;
  return dtoSchemas[cls.name] ?? { type: 'object' };
}

function toOpenApiPath(path: string): { path: string; params: string[] } {
  const params: string[] = [];
  const converted = path.replace(/:([A-Za-z_][A-Za-z0-9_]*)/g, (_, name: string) => {
    params.push(name);
    return `{${name}}`;
  });
  return { path: converted, params };
}

/**
 * Registers every route on the router (in order). Reading routes check their query string
 * against the filter limits first (a 422 in the dialect's shape, from its error handler).
 */
export function mountRoutes(router: Router, routes: readonly RouteSpec[]): void {
  const limits = queryLimits();
  for (const r of routes)
    router[r.method](r.path, ...(r.method === 'get' ? [limits] : []), ...(r.middleware ?? []), r.handler);
}

/** Builds an OpenAPI 3.1 document from route declarations. */
export function buildOpenApi(
  info: OpenApiDocument['info'],
  routes: readonly RouteSpec[],
  security: { schemes: Record<string, unknown>; default: Array<Record<string, string[]>> },
): OpenApiDocument {
  const paths: OpenApiDocument['paths'] = {};
  const usedClasses = new Set<string>();
  for (const r of routes) {
    const { path, params } = toOpenApiPath(r.path);
    const op: Record<string, unknown> = {
      summary: r.summary,
      operationId: `${r.method}_${path.replace(/[^A-Za-z0-9]+/g, '_').replace(/^_|_$/g, '')}`,
      ...(r.description ? { description: r.description } : {}),
      ...(r.tags ? { tags: r.tags } : {}),
      parameters: [
        ...params.map((name) => ({ name, in: 'path', required: true, schema: { type: 'string' } })),
        ...Object.entries(r.query ?? {}).map(([name, p]) => ({
          name,
          in: 'query',
          required: p.required ?? false,
          schema: p.schema,
          ...(p.description ? { description: p.description } : {}),
        })),
        ...Object.entries(r.headers ?? {}).map(([name, p]) => ({
          name,
          in: 'header',
          required: p.required ?? false,
          schema: p.schema,
          ...(p.description ? { description: p.description } : {}),
        })),
      ],
      responses: Object.fromEntries(
        Object.entries(r.responses).map(([status, resp]) => [
          status,
          {
            description: resp.description,
            ...(resp.schema ? { content: { [resp.contentType ?? 'application/json']: { schema: resp.schema } } } : {}),
          },
        ]),
      ),
      security: r.secured === false ? [] : security.default,
    };
    if (r.body) {
      let schema: JsonSchema;
      if (typeof r.body === 'function') {
        schemaOfClass(r.body);
        usedClasses.add(r.body.name);
        schema = { $ref: `#/components/schemas/${r.body.name}` };
      } else schema = r.body;
      op.requestBody = {
        required: true,
        content: Object.fromEntries((r.bodyContentTypes ?? ['application/json']).map((ct) => [ct, { schema }])),
      };
    }
    paths[path] = { ...(paths[path] ?? {}), [r.method]: op };
  }
  const schemas = Object.fromEntries(
    Object.entries(dtoSchemas ?? {}).filter(
      ([name]) => usedClasses.has(name) || isReferenced(name, dtoSchemas!, usedClasses),
    ),
  );
  return {
    openapi: '3.1.0',
    info,
    paths,
    components: { securitySchemes: security.schemes, schemas },
  };
}

function isReferenced(name: string, all: Record<string, JsonSchema>, used: Set<string>): boolean {
  const ref = `#/components/schemas/${name}`;
  return [...used].some((u) => JSON.stringify(all[u] ?? {}).includes(ref));
}
