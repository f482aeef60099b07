import fc from 'fast-check';
import type { Schema } from './openapi-routes.js';

// Arbitraries for hostile requests: strings that break naive SQL, LIKE patterns, paths,
// numbers and encodings; bodies of the wrong type, too deep, too big or not UTF-8.

export const HOSTILE_STRINGS = [
  "' OR 1=1 --",
  "'; DROP TABLE users; --",
  '" OR ""="',
  '%',
  '_',
  '%_%',
  '\\',
  '\\%\\_',
  '[a-z]%',
  '../../etc/passwd',
  '..\\..\\windows\\win.ini',
  '/etc/passwd',
  'C:\\Windows',
  'files/../../../outside',
  '\u0000',
  'null',
  'undefined',
  'NaN',
  '-1',
  '0',
  '2147483648',
  '99999999999999999999999',
  '1e309',
  '-0',
  'true',
  '[]',
  '{}',
  '__proto__',
  'constructor',
  '😀🚀',
  '\uD800',
  'contains:%',
  'startswith:_',
  'endswith:\\',
  'gte:not-a-date',
  'lt:9999-99-99',
  'in:[1,2',
  'oneof:["a"',
  'equals:',
  'desc:',
  'asc:name;drop',
  'name,desc',
  '$where',
  '${jndi:ldap://x}',
  '<script>alert(1)</script>',
];

export const hostileString: fc.Arbitrary<string> = fc.oneof(
  { weight: 5, arbitrary: fc.constantFrom(...HOSTILE_STRINGS) },
  { weight: 2, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 20 }) },
  { weight: 1, arbitrary: fc.integer().map(String) },
  { weight: 1, arbitrary: fc.uuid() },
  { weight: 1, arbitrary: fc.constant('x'.repeat(4000)) },
);

/** Percent-encodes UTF-8 bytes (lone surrogates become U+FFFD, as WHATWG URLs do). */
export function encode(value: string): string {
  return [...Buffer.from(value, 'utf8')]
    .map((b) =>
      /[A-Za-z0-9\-._~]/.test(String.fromCharCode(b))
        ? String.fromCharCode(b)
        : `%${b.toString(16).toUpperCase().padStart(2, '0')}`,
    )
    .join('');
}

/** Raw percent sequences that decode to invalid UTF-8 or to separators. */
export const RAW_SEGMENTS = ['%FF%FE', '%C0%AF', '%E0%80', '%', '%zz', '..%2F..%2Fetc', '%2e%2e%2f', '%00'];

/** A value for a declared or invented query parameter / path parameter, already encoded. */
export const encodedHostile: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: hostileString.map(encode) },
  { weight: 1, arbitrary: fc.constantFrom(...RAW_SEGMENTS) },
);

const wrongValue: fc.Arbitrary<unknown> = fc.oneof(
  hostileString,
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 4 }),
  fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 }),
  fc.constant('y'.repeat(300_000)),
);

/** Connection references a workflow could name: unknown, foreign-looking, hostile. */
const connectionRef = fc.constantFrom(
  'warehouse',
  'nope',
  '00000000-0000-4000-8000-000000000000',
  '../connection',
  '',
  ' ',
  '%',
  "' OR 1=1 --",
  '1',
  '__proto__',
);

const traversalSettings = fc.record(
  {
    connector: fc.constantFrom('filesystem', 'upload', 'inline', 'postgres', 'webhook', '../filesystem', 'none'),
    connection: fc.oneof(connectionRef, wrongValue),
    settings: fc.record({
      path: fc.constantFrom('../../etc', '/etc', 'a/../../b', '..', 'ok/../..', '\u0000', 'C:\\x', 'link/..'),
      format: fc.constantFrom('ndjson', 'csv', '../x'),
    }),
  },
  { requiredKeys: ['connector', 'settings'] },
);

/** Targets no connection may reach (the control plane, metadata, loopback in its spellings) and malformed ones. */
const EGRESS_HOSTS = [
  '127.0.0.1',
  'localhost',
  'localhost.',
  '0.0.0.0',
  '::1',
  '[::1]',
  '169.254.169.254',
  'metadata.google.internal',
  '10.0.0.1',
  '192.168.1.1',
  '100.64.0.1',
  'fe80::1',
  '2130706433',
  '0x7f000001',
  '127.1',
  'example.invalid',
  '../../etc',
  '\u0000',
  'h'.repeat(300),
];
const EGRESS_URLS = [
  'http://169.254.169.254/latest/meta-data/',
  'http://127.0.0.1:5432/',
  'http://[::1]:8080/',
  'http://0x7f000001/',
  'http://localhost./',
  'http://user:pw@10.0.0.1/',
  'file:///etc/passwd',
  'gopher://127.0.0.1:6379/_',
  'ftp://example.invalid/',
  'javascript:alert(1)',
  'not a url',
];
const CONNECTION_STRINGS = [
  'postgres://postgres@127.0.0.1:5432/postgres',
  'postgres://x:y@169.254.169.254/db',
  'postgresql://[::1]:5432/x',
  'postgres://%00@/x',
  'postgres:///x?host=/var/run/postgresql',
  'postgres://u:p@example.invalid:99999/x',
  'not-a-url',
];

/** Connection settings (a connection's body, Unstract's connector_metadata): SSRF targets, bad types. */
const connectionSettings = fc.record(
  {
    host: fc.oneof(fc.constantFrom(...EGRESS_HOSTS), wrongValue),
    port: fc.oneof(fc.constantFrom<unknown>(5432, 1, 0, -1, 65536, '5432', 1.5, 'x'), wrongValue),
    database: fc.oneof(fc.constantFrom('postgres', '../x', ''), hostileString),
    user: hostileString,
    password: hostileString,
    ssl: fc.constantFrom<unknown>('disable', 'require', 'verify-full', 'allow', true, 1),
    url: fc.oneof(fc.constantFrom(...EGRESS_URLS), wrongValue),
    connectionString: fc.oneof(fc.constantFrom(...CONNECTION_STRINGS), wrongValue),
    headers: fc.oneof(
      fc.dictionary(
        fc.constantFrom('x-api-key', 'host', 'Content-Length', '__proto__', 'bad header\r\n'),
        hostileString,
        { maxKeys: 3 },
      ),
      wrongValue,
    ),
    token: hostileString,
    path: fc.constantFrom('../../etc', '/etc', 'a/../../b', '..', '\u0000'),
  },
  { requiredKeys: [] },
);

/** Connection kinds, real and not. */
const connectionKind = fc.constantFrom(
  'postgres',
  'webhook',
  'filesystem',
  'postgresql|00000000-0000-4000-8000-000000000000',
  'Postgres',
  '../postgres',
  'inline',
  '',
);

function propertyValue(p: string): fc.Arbitrary<unknown> {
  if (/^(connector_)?metadata$/.test(p) || p === 'settings')
    return fc.oneof(traversalSettings, connectionSettings, wrongValue);
  if (/settings$/.test(p)) return fc.oneof(traversalSettings, wrongValue);
  if (p === 'kind' || p === 'connector_id') return fc.oneof(connectionKind, wrongValue);
  if (p === 'connection') return fc.oneof(connectionRef, wrongValue);
  return wrongValue;
}

/** An object over the schema's properties with wrong types, hostile strings, traversal and SSRF targets. */
export function schemaMutant(schema: Schema | null): fc.Arbitrary<Record<string, unknown>> {
  const props = Object.keys(schema?.properties ?? {});
  if (!props.length)
    return fc.dictionary(fc.constantFrom('name', 'id', 'settings', '__proto__', 'constructor'), wrongValue, {
      maxKeys: 3,
    });
  const entries = props.map((p) => [p, fc.option(propertyValue(p), { nil: undefined })] as const);
  return fc
    .record(Object.fromEntries(entries))
    .map((o) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)));
}

export interface HostileBody {
  kind: string;
  contentType?: string;
  body?: string | Buffer;
}

const deep = (n: number, open: string, close: string) => open.repeat(n) + close.repeat(n);

export function hostileBody(schema: Schema | null): fc.Arbitrary<HostileBody> {
  return fc.oneof(
    { weight: 2, arbitrary: fc.constant<HostileBody>({ kind: 'none' }) },
    {
      weight: 6,
      arbitrary: schemaMutant(schema).map((o) => ({
        kind: 'mutant',
        contentType: 'application/json',
        body: JSON.stringify(o),
      })),
    },
    {
      weight: 2,
      arbitrary: fc
        .jsonValue({ maxDepth: 3 })
        .map((v) => ({ kind: 'json', contentType: 'application/json', body: JSON.stringify(v) ?? 'null' })),
    },
    {
      weight: 2,
      arbitrary: fc.constantFrom(100, 3000, 60_000).chain((n) =>
        fc.constantFrom<HostileBody>(
          { kind: `deep-array-${n}`, contentType: 'application/json', body: deep(n, '[', ']') },
          {
            kind: `deep-object-${n}`,
            contentType: 'application/json',
            body: '{"a":'.repeat(n) + '1' + '}'.repeat(n),
          },
          {
            kind: `deep-field-${n}`,
            contentType: 'application/json',
            body: `{"name":"x","settings":${'{"a":'.repeat(n)}1${'}'.repeat(n)},"source_settings":${deep(n, '[', ']')}}`,
          },
        ),
      ),
    },
    {
      weight: 1,
      arbitrary: fc.constant<HostileBody>({
        kind: 'oversized',
        contentType: 'application/json',
        body: JSON.stringify({ name: 'z'.repeat(3 * 1024 * 1024) }),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.constant<HostileBody>({
        kind: 'invalid-utf8',
        contentType: 'application/json',
        body: Buffer.from([
          0x7b, 0x22, 0x6e, 0x61, 0x6d, 0x65, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0xc0, 0xaf, 0xed, 0xa0, 0x80, 0x22, 0x7d,
        ]),
      }),
    },
    {
      weight: 1,
      arbitrary: fc
        .constantFrom('{"a":', "{'a':1}", 'nul', '\u0000', '', '{"a":1}{"b":2}', '1e99999', '"\\ud800"')
        .map((b) => ({ kind: 'malformed', contentType: 'application/json', body: b })),
    },
    {
      weight: 2,
      arbitrary: fc.constantFrom<HostileBody>(
        { kind: 'text', contentType: 'text/plain', body: '{"name":"x"}' },
        {
          kind: 'form',
          contentType: 'application/x-www-form-urlencoded',
          body: 'name=%FF&a[b][c][d][e][f]=1&__proto__[x]=1',
        },
        { kind: 'multipart-no-boundary', contentType: 'multipart/form-data', body: '--x\r\n\r\n' },
        {
          kind: 'multipart-garbage',
          contentType: 'multipart/form-data; boundary=zz',
          body: '--zz\r\nContent-Disposition: form-data; name="files"; filename="../../etc/passwd"\r\n\r\nhello\r\n--zz\r\nContent-Disposition: form-data; name="files"; filename="\u0000.txt"\r\n\r\nx\r\n--zz--\r\n',
        },
        { kind: 'utf16', contentType: 'application/json; charset=utf-16', body: '{"name":"x"}' },
        { kind: 'bad-charset', contentType: 'application/json; charset=klingon', body: '{"name":"x"}' },
        { kind: 'gzip-lie', contentType: 'application/json', body: '{"name":"x"}' },
      ),
    },
  );
}

/** Authorization headers that are missing, malformed, forged or plainly wrong. */
export const MALFORMED_AUTH = [
  'Bearer',
  'Bearer ',
  'bearer api_',
  'Basic Zm9vOmJhcg==',
  'Token abc',
  `Bearer api_${'A'.repeat(43)}`,
  `Bearer api_${'A'.repeat(42)}`,
  'Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.',
  'Bearer eyJhbGciOiJIUzI1NiJ9.e30.AAAA',
  `Bearer ${'a'.repeat(8000)}`,
  'Bearer a b c',
  'Bearer %00',
  'Bearer \u00ff\u00fe',
];
