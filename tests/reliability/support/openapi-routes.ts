// The route list the generated tests walk: every operation of every OpenAPI document the
// server publishes at /docs/<name>.json.

export type Dialect = 'native' | 'zenml' | 'unstract' | 'meergo' | 'flow';

export interface Route {
  dialect: Dialect;
  method: string;
  /** The OpenAPI path template, e.g. /v1/pipelines/{id}. */
  path: string;
  pathParams: string[];
  queryParams: string[];
  /** The request body's JSON schema (refs resolved one level), when it has one. */
  bodySchema: Schema | null;
  bodyTypes: string[];
  summary: string;
}

export interface Schema {
  type?: string;
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  enum?: unknown[];
  $ref?: string;
  [key: string]: unknown;
}

interface Operation {
  summary?: string;
  parameters?: { name: string; in: string }[];
  requestBody?: { content?: Record<string, { schema?: Schema }> };
}

interface Document {
  paths: Record<string, Record<string, Operation>>;
  components?: { schemas?: Record<string, Schema> };
}

const METHODS = ['get', 'post', 'put', 'patch', 'delete', 'options'];

function resolve(doc: Document, schema: Schema | undefined): Schema | null {
  if (!schema) return null;
  if (schema.$ref) return doc.components?.schemas?.[schema.$ref.split('/').pop()!] ?? null;
  return schema;
}

export async function loadRoutes(base: string): Promise<Route[]> {
  const index = (await (await fetch(`${base}/docs`)).json()) as { documents: { name: Dialect }[] };
  const routes: Route[] = [];
  for (const { name } of index.documents) {
    const doc = (await (await fetch(`${base}/docs/${name}.json`)).json()) as Document;
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        if (!METHODS.includes(method)) continue;
        const content = op.requestBody?.content ?? {};
        const json = content['application/json'] ?? Object.values(content)[0];
        routes.push({
          dialect: name,
          method: method.toUpperCase(),
          path,
          pathParams: [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!),
          queryParams: (op.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name),
          bodySchema: resolve(doc, json?.schema),
          bodyTypes: Object.keys(content),
          summary: op.summary ?? '',
        });
      }
    }
  }
  return routes;
}

const isObject = (v: unknown): v is Record<string, any> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Whether an error body has the dialect's own shape (what its clients parse). */
export function hasDialectErrorShape(dialect: Dialect, status: number, body: unknown): boolean {
  switch (dialect) {
    case 'native':
      return (
        isObject(body) && typeof body.code === 'string' && body.status === status && typeof body.detail === 'string'
      );
    case 'zenml':
      return (
        (isObject(body) && 'detail' in body) ||
        (Array.isArray(body) && body.length === 2 && typeof body[0] === 'string')
      );
    case 'unstract':
      return (
        (isObject(body) && typeof body.type === 'string' && Array.isArray(body.errors)) ||
        ((status === 401 || status === 403) && isObject(body) && typeof body.message === 'string') ||
        // file-histories/clear answers a missing filter as Unstract does: {"error": "…"}.
        (status === 400 && isObject(body) && typeof body.error === 'string')
      );
    case 'meergo':
      return (
        isObject(body) &&
        isObject(body.error) &&
        typeof body.error.code === 'string' &&
        typeof body.error.message === 'string'
      );
    case 'flow':
      return isObject(body) && body.status === 'ERROR' && typeof body.msg === 'string';
  }
}

/** Fills a path template; values are inserted as given (callers encode them). */
export function fillPath(template: string, values: Record<string, string>): string {
  return template.replace(/\{([^}]+)\}/g, (_, name: string) => values[name] ?? 'x');
}
