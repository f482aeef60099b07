import { randomBytes } from 'node:crypto';
import { mkdir, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Request, RequestHandler, Response } from 'express';
import { receiveMultipart, type UploadLimits } from './receive-multipart.js';
import { RequestUploads } from './request-uploads.js';
import { UploadBudget } from './upload-budget.js';

const MiB = 1024 * 1024;

export const DEFAULT_UPLOAD_LIMITS: UploadLimits = {
  maxFileBytes: 50 * MiB,
  maxFiles: 100,
  maxRequestBytes: 200 * MiB,
  maxOrgBytes: 1024 * MiB,
};

export interface UploadSpoolOptions extends Partial<UploadLimits> {
  /** The folder uploads are written to; this process uses a folder of its own in it. */
  dir: string;
}

const PROCESS_FOLDER = /^(\d+)-[0-9a-f]+$/;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Where this server process writes uploaded files while their requests arrive and until their
 * runs consume them, with the caps they are held to and the organizations' upload budget.
 * The process has its own folder (`<dir>/<pid>-<random>`); opening the spool removes the folders
 * of processes that are gone (a crash, a kill), and closing it removes its own.
 */
export class UploadSpool {
  readonly limits: UploadLimits;
  readonly budget: UploadBudget;
  /** This process's folder. */
  readonly folder: string;
  private opened: Promise<void> | null = null;

  constructor(readonly options: UploadSpoolOptions) {
    this.limits = {
      maxFileBytes: options.maxFileBytes ?? DEFAULT_UPLOAD_LIMITS.maxFileBytes,
      maxFiles: options.maxFiles ?? DEFAULT_UPLOAD_LIMITS.maxFiles,
      maxRequestBytes: options.maxRequestBytes ?? DEFAULT_UPLOAD_LIMITS.maxRequestBytes,
      maxOrgBytes: options.maxOrgBytes ?? DEFAULT_UPLOAD_LIMITS.maxOrgBytes,
    };
    this.budget = new UploadBudget(this.limits.maxOrgBytes);
    this.folder = join(options.dir, `${process.pid}-${randomBytes(6).toString('hex')}`);
  }

  /** Removes leftovers of processes that are gone and creates this process's folder; once. */
  open(): Promise<void> {
    this.opened ??= (async () => {
      await mkdir(this.options.dir, { recursive: true });
      for (const name of await readdir(this.options.dir)) {
        const pid = PROCESS_FOLDER.exec(name)?.[1];
        // Our own pid on a folder that is not ours: this process's previous life (a container restarted).
        if (pid !== undefined && (Number(pid) === process.pid || !alive(Number(pid))))
          await rm(join(this.options.dir, name), { recursive: true, force: true });
      }
      await mkdir(this.folder, { recursive: true });
    })();
    return this.opened;
  }

  /** Removes this process's folder and whatever is still in it (shutdown, after runs are drained). */
  async close(): Promise<void> {
    await rm(this.folder, { recursive: true, force: true });
    this.opened = null;
  }

  /** Receives a multipart body into this process's folder for the organization (see `receiveMultipart`). */
  async receive(req: Request, orgId: string): Promise<{ fields: Record<string, string>; uploads: RequestUploads }> {
    await this.open();
    const { fields, files } = await receiveMultipart(req, this.folder, this.limits, this.budget, orgId);
    return { fields, uploads: new RequestUploads(files) };
  }

  /**
   * Middleware: a multipart body is received (text fields → `req.body`, files → `requestUploads(res)`),
   * for the organization `orgOf` names (the route authenticates first); other bodies pass through.
   * Files no run took are deleted when the response ends; a refused upload is answered (see
   * `drainBriefly`) and its connection closed.
   */
  middleware(orgOf: (res: Response) => string): RequestHandler {
    return (req, res, next) => {
      if (!req.is('multipart')) return next();
      this.receive(req, orgOf(res)).then(
        ({ fields, uploads }) => {
          req.body = fields;
          res.locals.uploads = uploads;
          res.once('close', () => void uploads.discardUnused());
          next();
        },
        (err: unknown) => {
          void drainBriefly(req, this.limits.maxRequestBytes).then(() => {
            // What is left of the body is not read: the connection ends with the answer.
            res.setHeader('Connection', 'close');
            lingerOnClose(req);
            next(err);
          });
        },
      );
    };
  }
}

/** After a refused upload, how much more of the body is read (and dropped) before the answer. */
const DRAIN_BYTES = 4 * MiB;
const DRAIN_MS = 3_000;

/**
 * Before answering a refused upload: a client that sent a little more than allowed gets to
 * finish sending, so it reads the answer rather than a reset. The bytes are dropped as they
 * come; at most `DRAIN_BYTES` or `DRAIN_MS` of them, and none when the declared length is
 * further over. The answer then closes the connection either way.
 */
function drainBriefly(req: Request, maxRequestBytes: number): Promise<void> {
  const declared = Number(req.headers['content-length']);
  if (req.complete || (Number.isFinite(declared) && declared > maxRequestBytes + DRAIN_BYTES)) return Promise.resolve();
  return new Promise((resolve) => {
    let dropped = 0;
    const stop = () => {
      clearTimeout(timer);
      req.off('data', count);
      req.off('end', stop);
      req.off('close', stop);
      req.pause();
      resolve();
    };
    const count = (chunk: Buffer) => {
      dropped += chunk.length;
      if (dropped > DRAIN_BYTES) stop();
    };
    const timer = setTimeout(stop, DRAIN_MS);
    req.on('data', count);
    req.once('end', stop);
    req.once('close', stop);
    req.resume();
  });
}

const LINGER_MS = 2_000;

/**
 * Node closes a `Connection: close` socket as soon as the answer is written; a client still
 * sending then gets a reset, which can discard the answer before the client reads it. This
 * socket half-closes instead (the answer, then end of stream), reads nothing more (the request
 * stays paused, so the client is held back by TCP, not by our memory), and is destroyed
 * `LINGER_MS` later.
 */
function lingerOnClose(req: Request): void {
  const socket = req.socket;
  socket.destroySoon = function (this: typeof socket) {
    this.end();
    setTimeout(() => this.destroy(), LINGER_MS).unref();
  };
}

let fallback: UploadSpool | null = null;

/** The spool of route sets built without one (embedders, tests): under the OS temp folder, default limits, one per process. */
export function defaultUploadSpool(): UploadSpool {
  fallback ??= new UploadSpool({ dir: join(tmpdir(), 'pipewright-uploads') });
  return fallback;
}
