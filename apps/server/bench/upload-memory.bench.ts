// The server's memory while it receives a large upload and runs it. Boots the built server
// (`apps/server/dist/main.js`, in-process runs) as a child process on a fresh database on
// BENCH_DATABASE_URL (dropped afterwards; BENCH_DATABASE_URL=pglite: PGlite in the data folder),
// posts BENCH_FILES (6) files of BENCH_FILE_MIB (50) MiB of NDJSON to Unstract's
// `workflow/execute/` in one chunked request (generated as it is sent), and reads the child's
// resident memory from /proc: its peak (VmHWM, reset before the upload) while the request is
// received, then until the run has ended (BENCH_EXECUTOR=queue: through the run queue). Linux only. Build first (`npx tsc -b tsconfig.build.json`).
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

const FILES = Number(process.env.BENCH_FILES ?? 6);
const FILE_MIB = Number(process.env.BENCH_FILE_MIB ?? 50);
const MiB = 1024 * 1024;
const DATABASE = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

const memory = (pid: number) => {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? NaN);
  return { rssMiB: kb('VmRSS') / 1024, peakMiB: kb('VmHWM') / 1024 };
};
/** Resets the process's peak resident size (VmHWM) to its current one. */
const resetPeak = (pid: number) => writeFileSync(`/proc/${pid}/clear_refs`, '5');

async function freePort(): Promise<number> {
  return new Promise((ok) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => ok(port));
    });
  });
}

async function json(url: string, init: RequestInit): Promise<any> {
  const r = await fetch(url, init);
  const text = await r.text();
  if (r.status >= 300) throw new Error(`${init.method} ${url}: ${r.status} ${text}`);
  return JSON.parse(text);
}

/** One chunked multipart request: `files` × `mib` MiB of NDJSON lines, generated while sent. */
function upload(url: string, token: string, workflowId: string): Promise<{ status: number; body: string }> {
  const boundary = '----bench';
  const line = `${JSON.stringify({ n: 1, pad: 'x'.repeat(1000) })}\n`;
  const chunk = Buffer.from(line.repeat(Math.floor(MiB / line.length)));
  const target = new URL(url);
  return new Promise((ok, fail) => {
    const req = request(
      {
        method: 'POST',
        host: target.hostname,
        port: target.port,
        path: target.pathname,
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': `multipart/form-data; boundary=${boundary}`,
          'transfer-encoding': 'chunked',
        },
      },
      (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => ok({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', fail);
    const write = (data: string | Buffer) =>
      new Promise<void>((next) => (req.write(data) ? next() : req.once('drain', () => next())));
    void (async () => {
      await write(`--${boundary}\r\nContent-Disposition: form-data; name="workflow_id"\r\n\r\n${workflowId}\r\n`);
      for (let f = 0; f < FILES; f++) {
        await write(
          `--${boundary}\r\nContent-Disposition: form-data; name="files"; filename="part-${f}.ndjson"\r\nContent-Type: application/x-ndjson\r\n\r\n`,
        );
        for (let i = 0; i < FILE_MIB; i++) await write(chunk);
        await write('\r\n');
      }
      await write(`--${boundary}--\r\n`);
      req.end();
    })();
  });
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'pipewright-bench-upload-'));
  const dbName = `pipewright_test_bench_upload_${process.pid}`;
  const admin = DATABASE === 'pglite' ? null : new pg.Client({ connectionString: DATABASE });
  let databaseUrl: string | undefined;
  if (admin) {
    await admin.connect();
    await admin.query(`CREATE DATABASE ${dbName}`);
    const url = new URL(DATABASE);
    url.pathname = `/${dbName}`;
    databaseUrl = url.toString();
  }
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, ['--max-semi-space-size=16', join(root, 'apps/server/dist/main.js')], {
    env: {
      PATH: process.env.PATH,
      PORT: String(port),
      HOST: '127.0.0.1',
      PIPEWRIGHT_DATA_DIR: dataDir,
      PIPEWRIGHT_SECRET: 'bench-secret-0123456789abcdefghijklmn',
      PIPEWRIGHT_ADMIN_EMAIL: 'root@example.com',
      PIPEWRIGHT_ADMIN_PASSWORD: 'root-password-1',
      PIPEWRIGHT_DEFAULT_ORG: 'main',
      PIPEWRIGHT_SCHEDULER: 'off',
      // One request carries all of it: above the default per-request cap (200 MiB).
      PIPEWRIGHT_UPLOAD_MAX_REQUEST_MB: String(FILES * FILE_MIB + 10),
      LOG_LEVEL: 'warn',
      ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
      // BENCH_EXECUTOR=queue: files stored in Postgres, read back by this process's queue worker.
      ...(process.env.BENCH_EXECUTOR ? { PIPEWRIGHT_EXECUTOR: process.env.BENCH_EXECUTOR } : {}),
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  try {
    for (let i = 0; ; i++) {
      if (i > 300) throw new Error('server not ready');
      if (
        await fetch(`${base}/readyz`).then(
          (r) => r.ok,
          () => false,
        )
      )
        break;
      await new Promise((r) => setTimeout(r, 200));
    }
    const { access_token: token } = await json(`${base}/api/v1/login`, {
      method: 'POST',
      body: new URLSearchParams({ username: 'root@example.com', password: 'root-password-1' }),
    });
    const auth = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const unstract = `${base}/api/v1/unstract/main`;
    const wf = await json(`${unstract}/workflow/`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ workflow_name: 'bench-upload', source_settings: { connector: 'upload', settings: {} } }),
    });
    // Warm the route and the engine with a small upload first.
    const small = new FormData();
    small.append('workflow_id', wf.id);
    small.append('files', new Blob(['{"n":1}\n']), 'warm.ndjson');
    await json(`${unstract}/workflow/execute/`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
      body: small,
    });
    await new Promise((r) => setTimeout(r, 1000));

    const pid = child.pid!;
    const before = memory(pid);
    resetPeak(pid);
    const started = Date.now();
    const answer = await upload(`${unstract}/workflow/execute/`, token, wf.id);
    const received = memory(pid);
    const seconds = (Date.now() - started) / 1000;
    if (answer.status !== 200) throw new Error(`upload: ${answer.status} ${answer.body}`);
    const runId = JSON.parse(answer.body).execution_id as string;
    let execution: { status: string; successful_files: number; failed_files: number } = {
      status: '',
      successful_files: 0,
      failed_files: 0,
    };
    while (!['COMPLETED', 'ERROR', 'STOPPED'].includes(execution.status)) {
      await new Promise((r) => setTimeout(r, 500));
      execution = await json(`${unstract}/workflow/execution/${runId}/`, { headers: auth });
    }
    const status = `${execution.status} (${execution.successful_files} files ok, ${execution.failed_files} failed)`;
    const ran = memory(pid);
    const total = FILES * FILE_MIB;
    console.log(
      `${admin ? 'Postgres' : 'PGlite'}, ${process.env.BENCH_EXECUTOR ?? 'in-process'} runs: posted ${FILES} × ${FILE_MIB} MiB = ${total} MiB in ${seconds.toFixed(1)} s (${(total / seconds).toFixed(0)} MiB/s); run ${status} after ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
    console.log(
      `server RSS before ${before.rssMiB.toFixed(0)} MiB; peak while receiving ${received.peakMiB.toFixed(0)} MiB (+${(received.peakMiB - before.rssMiB).toFixed(0)} MiB); peak until the run ended ${ran.peakMiB.toFixed(0)} MiB (+${(ran.peakMiB - before.rssMiB).toFixed(0)} MiB); RSS at the end ${ran.rssMiB.toFixed(0)} MiB`,
    );
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    rmSync(dataDir, { recursive: true, force: true });
    if (admin) {
      await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
      await admin.end();
    }
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
