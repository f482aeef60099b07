import { request } from 'node:http';

// A multipart upload of any size, generated while it is sent (the test process holds one 1 MiB
// chunk, not the body), that stops sending as soon as the server answers or closes: what a
// client posting far more than the server accepts sees, and how many bytes it got to send.

export interface UploadResult {
  status: number;
  text: string;
  /** Body bytes written before the answer (or the connection's end). */
  sentBytes: number;
  /** The socket error that ended the request without an answer, if so. */
  error?: string;
}

export interface LargeUpload {
  url: string;
  auth: string;
  /** Text fields sent before the files. */
  fields: Record<string, string>;
  /** Files under the `files` field, each `sizeMiB` of `.ndjson`-looking lines. */
  files: { name: string; sizeMiB: number }[];
  timeoutMs?: number;
}

const MiB = 1024 * 1024;
// One MiB of 1 KiB ndjson lines, so what gets through parses as records.
const CHUNK = ('{"n":1,"pad":"' + 'x'.repeat(1007) + '"}\n').repeat(MiB / 1024);

export function postLargeMultipart(upload: LargeUpload): Promise<UploadResult> {
  const boundary = `----hostile${Date.now()}`;
  const url = new URL(upload.url);
  let sent = 0;
  return new Promise((resolve) => {
    let settled = false;
    const finish = (r: UploadResult) => {
      if (settled) return;
      settled = true;
      resolve(r);
    };
    const req = request(
      {
        method: 'POST',
        host: url.hostname,
        port: url.port,
        path: url.pathname + url.search,
        headers: {
          authorization: `Bearer ${upload.auth}`,
          'content-type': `multipart/form-data; boundary=${boundary}`,
          'transfer-encoding': 'chunked',
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          finish({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8'), sentBytes: sent }),
        );
        res.on('error', (e) => finish({ status: res.statusCode ?? 0, text: '', sentBytes: sent, error: e.message }));
      },
    );
    req.setTimeout(upload.timeoutMs ?? 120_000, () => req.destroy(new Error('no answer in time')));
    req.on('error', (e) => finish({ status: 0, text: '', sentBytes: sent, error: e.message }));
    const write = (data: string | Buffer) =>
      new Promise<boolean>((ok) => {
        if (settled || req.destroyed) return ok(false);
        sent += Buffer.byteLength(data);
        if (req.write(data)) return ok(true);
        const go = () => {
          req.off('close', go);
          req.off('drain', go);
          ok(!settled && !req.destroyed);
        };
        req.once('drain', go).once('close', go);
      });
    void (async () => {
      for (const [name, value] of Object.entries(upload.fields)) {
        if (!(await write(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`)))
          return;
      }
      for (const file of upload.files) {
        if (
          !(await write(
            `--${boundary}\r\nContent-Disposition: form-data; name="files"; filename="${file.name}"\r\nContent-Type: application/x-ndjson\r\n\r\n`,
          ))
        )
          return;
        for (let i = 0; i < file.sizeMiB; i++) if (!(await write(CHUNK))) return;
        if (!(await write('\r\n'))) return;
      }
      if (await write(`--${boundary}--\r\n`)) req.end();
    })();
  });
}
