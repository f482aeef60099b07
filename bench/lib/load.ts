import autocannon from 'autocannon';
import { rssOf, sampleRss, type ServerProcess } from './processes.js';

/** One measured side of a scenario (ours or the baseline). */
export interface Measurement {
  reqPerSec: number;
  p50Ms: number;
  p99Ms: number;
  peakRssMb: number;
  requests: number;
  errors: number;
  /** Extra figures some scenarios report (time to first byte, total time). */
  extra?: Record<string, number>;
}

export interface LoadOptions {
  connections: number;
  warmupSeconds: number;
  seconds: number;
}

const mb = (bytes: number) => Math.round(bytes / 1024 / 1024);

/**
 * Drives `server` with autocannon: a warm-up, then the measured window. `paths` rotate per
 * request (e.g. different pipeline ids), so caches see a realistic spread.
 */
export async function drive(
  server: ServerProcess,
  paths: string[],
  headers: Record<string, string>,
  opts: LoadOptions,
): Promise<Measurement> {
  let i = 0;
  const requests = [
    { method: 'GET' as const, setupRequest: (req: any) => ({ ...req, path: paths[i++ % paths.length] }) },
  ];
  const base = { url: server.url, connections: opts.connections, headers, requests };
  await autocannon({ ...base, duration: opts.warmupSeconds });
  const rss = sampleRss(server.child.pid!);
  const r = await autocannon({ ...base, duration: opts.seconds });
  const peak = rss.stop();
  // Requests still in flight when the window closed finish before the next scenario starts.
  await new Promise((resolve) => setTimeout(resolve, 1000));
  return {
    reqPerSec: r.requests.average,
    p50Ms: r.latency.p50,
    p99Ms: r.latency.p99,
    peakRssMb: mb(peak),
    requests: r.requests.total,
    errors: r.errors + r.timeouts + r.non2xx,
  };
}

/**
 * One streamed GET, stopped after `maxSeconds`: time to first byte, items received (counted
 * by `marker`), items/s, whether it completed, and the server's peak RSS meanwhile.
 */
export async function stream(
  server: ServerProcess,
  path: string,
  headers: Record<string, string>,
  marker: string,
  maxSeconds: number,
): Promise<Measurement> {
  const startRss = rssOf(server.child.pid!);
  const rss = sampleRss(server.child.pid!);
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), maxSeconds * 1000);
  const t0 = performance.now();
  let ttfb = NaN;
  let items = 0;
  let bytes = 0;
  let complete = false;
  let errors = 0;
  let tail = '';
  try {
    // A fresh connection: a pooled keep-alive one may just have been closed by the server.
    const res = await fetch(server.url + path, { headers: { ...headers, connection: 'close' }, signal: abort.signal });
    if (!res.ok) errors++;
    const decoder = new TextDecoder();
    for await (const chunk of res.body! as unknown as AsyncIterable<Uint8Array>) {
      if (Number.isNaN(ttfb)) ttfb = performance.now() - t0;
      bytes += chunk.byteLength;
      // Count markers across chunk boundaries: keep the last few characters.
      const text = tail + decoder.decode(chunk, { stream: true });
      items += text.split(marker).length - 1;
      tail = text.slice(-(marker.length - 1));
    }
    complete = true;
  } catch (e) {
    // Stopped by us, or the server failed mid-answer (counted, reported as an error).
    if (!abort.signal.aborted) {
      errors++;
      process.stderr.write(`  stream ${path}: ${String((e as Error).cause ?? e)}\n`);
    }
  } finally {
    clearTimeout(timer);
  }
  const seconds = (performance.now() - t0) / 1000;
  const peak = rss.stop();
  return {
    reqPerSec: items / seconds,
    p50Ms: ttfb,
    p99Ms: seconds * 1000,
    peakRssMb: mb(peak),
    requests: 1,
    errors,
    extra: {
      ttfbMs: Math.round(ttfb),
      seconds: Math.round(seconds * 10) / 10,
      items,
      complete: complete ? 1 : 0,
      mb: Math.round(bytes / 1024 / 1024),
      // The measure for a streamed answer: peak RSS during it minus RSS just before it.
      rssGrowthMb: mb(peak - startRss),
    },
  };
}

/**
 * One request at a time for `seconds` (at least one), each read to the end: for responses so
 * large that 10 in flight would only queue (and keep the server busy after the window).
 */
export async function sequential(
  server: ServerProcess,
  path: string,
  headers: Record<string, string>,
  seconds: number,
): Promise<Measurement> {
  const rss = sampleRss(server.child.pid!);
  const latencies: number[] = [];
  let errors = 0;
  const t0 = performance.now();
  do {
    const s = performance.now();
    const res = await fetch(server.url + path, { headers });
    await res.arrayBuffer();
    if (!res.ok) errors++;
    latencies.push(performance.now() - s);
  } while (performance.now() - t0 < seconds * 1000);
  const elapsed = (performance.now() - t0) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    reqPerSec: latencies.length / elapsed,
    p50Ms: latencies[Math.floor(latencies.length * 0.5)]!,
    p99Ms: latencies[Math.floor(latencies.length * 0.99)]!,
    peakRssMb: mb(rss.stop()),
    requests: latencies.length,
    errors,
  };
}

/** POSTs once to each path with `connections` in flight; the rate of 2xx answers. */
export async function burst(
  server: ServerProcess,
  paths: string[],
  headers: Record<string, string>,
  connections: number,
): Promise<Measurement> {
  const rss = sampleRss(server.child.pid!);
  const latencies: number[] = [];
  let errors = 0;
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (next < paths.length) {
        const path = paths[next++]!;
        const s = performance.now();
        const res = await fetch(server.url + path, {
          method: 'POST',
          headers: { ...headers, 'content-type': 'application/json' },
          body: '{}',
        });
        await res.arrayBuffer();
        if (!res.ok) errors++;
        latencies.push(performance.now() - s);
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    reqPerSec: (paths.length - errors) / seconds,
    p50Ms: latencies[Math.floor(latencies.length * 0.5)]!,
    p99Ms: latencies[Math.floor(latencies.length * 0.99)]!,
    peakRssMb: mb(rss.stop()),
    requests: paths.length,
    errors,
  };
}
