import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import tls from 'node:tls';
import type { EgressPolicy, EgressTarget } from './egress-policy.js';

export const MAX_REDIRECTS = 5;

export interface PinnedResponse {
  status: number;
  statusText: string;
  /** The URL that answered (after redirects). */
  url: string;
}

function portOf(url: URL): number {
  return url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
}

function hostOf(url: URL): string {
  return url.hostname.replace(/^\[|\]$/g, '');
}

/** A `lookup` answering with the checked address only: the socket connects where the policy looked. */
function pinnedLookup(target: EgressTarget): net.LookupFunction {
  return ((_host: string, options: { all?: boolean }, callback: (...args: unknown[]) => void) => {
    if (options?.all) callback(null, [{ address: target.address, family: target.family }]);
    else callback(null, target.address, target.family);
  }) as unknown as net.LookupFunction;
}

function once(
  url: URL,
  target: EgressTarget,
  init: { method: string; headers: Record<string, string>; body?: string; signal: AbortSignal },
): Promise<{ status: number; statusText: string; location: string | null }> {
  const transport = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    if (init.signal.aborted) return reject(init.signal.reason);
    const headers: Record<string, string | number> = { ...init.headers };
    if (init.body !== undefined) headers['content-length'] = Buffer.byteLength(init.body);
    const req = transport.request(
      {
        protocol: url.protocol,
        hostname: hostOf(url),
        port: portOf(url),
        path: `${url.pathname}${url.search}`,
        method: init.method,
        headers,
        lookup: pinnedLookup(target),
        // The certificate is checked against the URL's host, not the address connected to.
        ...(url.protocol === 'https:' ? { servername: net.isIP(hostOf(url)) ? undefined : hostOf(url) } : {}),
        agent: false,
      },
      (res) => {
        res.resume(); // the body is not used: free the connection
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            statusText: res.statusMessage ?? '',
            location: (res.headers.location as string | undefined) ?? null,
          }),
        );
        res.on('error', reject);
      },
    );
    const onAbort = () =>
      req.destroy(init.signal.reason instanceof Error ? init.signal.reason : new Error(String(init.signal.reason)));
    init.signal.addEventListener('abort', onAbort, { once: true });
    req.on('close', () => init.signal.removeEventListener('abort', onAbort));
    req.on('error', (e) => reject(init.signal.aborted ? init.signal.reason : e));
    req.end(init.body);
  });
}

/**
 * An HTTP(S) request to `url` that connects only to addresses the egress policy checked.
 * Redirects are followed here (at most 5), each hop checked again; a 307/308 repeats the
 * request, other redirects become a GET without body, and a hop to another origin drops the
 * headers marked sensitive.
 */
export async function pinnedRequest(
  egress: EgressPolicy,
  url: string,
  init: {
    method: string;
    headers: Record<string, string>;
    sensitiveHeaders?: readonly string[];
    body?: string;
    signal: AbortSignal;
  },
): Promise<PinnedResponse> {
  let current = new URL(url);
  let { method, body } = init;
  let headers = { ...init.headers };
  for (let hop = 0; ; hop++) {
    if (current.protocol !== 'http:' && current.protocol !== 'https:')
      throw new Error(`redirected to an unsupported URL scheme "${current.protocol}"`);
    const target = await egress.check(hostOf(current), portOf(current));
    const res = await once(current, target, { method, headers, body, signal: init.signal });
    if (![301, 302, 303, 307, 308].includes(res.status) || !res.location)
      return { status: res.status, statusText: res.statusText, url: current.toString() };
    if (hop >= MAX_REDIRECTS) throw new Error(`too many redirects (more than ${MAX_REDIRECTS})`);
    const next = new URL(res.location, current);
    if (next.origin !== current.origin) {
      const drop = new Set((init.sensitiveHeaders ?? []).map((h) => h.toLowerCase()));
      headers = Object.fromEntries(Object.entries(headers).filter(([k]) => !drop.has(k.toLowerCase())));
    }
    if (res.status !== 307 && res.status !== 308) {
      method = method === 'HEAD' ? 'HEAD' : 'GET';
      body = undefined;
      headers = Object.fromEntries(Object.entries(headers).filter(([k]) => k.toLowerCase() !== 'content-type'));
    }
    current = next;
  }
}

/**
 * Reaches a URL's server without sending a request: a TCP connect to the checked address and,
 * for https, a TLS handshake verifying the certificate for the URL's host.
 */
export async function probeUrl(egress: EgressPolicy, url: string, signal: AbortSignal): Promise<string> {
  const u = new URL(url);
  const host = hostOf(u);
  const port = portOf(u);
  const target = await egress.check(host, port);
  await new Promise<void>((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const socket =
      u.protocol === 'https:'
        ? tls.connect(
            { host: target.address, port, servername: net.isIP(host) ? undefined : host, ALPNProtocols: ['http/1.1'] },
            () => done(),
          )
        : net.connect({ host: target.address, port }, () => done());
    const onAbort = () => socket.destroy(signal.reason instanceof Error ? signal.reason : new Error('timed out'));
    signal.addEventListener('abort', onAbort, { once: true });
    function done() {
      signal.removeEventListener('abort', onAbort);
      socket.end();
      socket.destroy();
      resolve();
    }
    socket.on('error', (e) => {
      signal.removeEventListener('abort', onAbort);
      reject(signal.aborted ? signal.reason : e);
    });
  });
  return `Reached ${host}:${port} (${target.address})${u.protocol === 'https:' ? ' over TLS' : ''}.`;
}
