import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import busboy from 'busboy';
import type { Request } from 'express';
import { ValidationError } from '@pipewright/core';
import { SpooledFile } from './spooled-file.js';
import type { UploadBudget } from './upload-budget.js';
import { UploadLimitError } from './upload-errors.js';

/** The caps an upload request is held to. */
export interface UploadLimits {
  /** Bytes of one file. */
  maxFileBytes: number;
  /** Files in one request. */
  maxFiles: number;
  /** Bytes of one request body (files, fields and multipart framing). */
  maxRequestBytes: number;
  /** Bytes of uploads one organization holds at once (see `UploadBudget`). */
  maxOrgBytes: number;
}

export interface ReceivedMultipart {
  /** Text fields (a repeated name keeps its last value). */
  fields: Record<string, string>;
  /** The files posted under `files`, on disk. */
  files: SpooledFile[];
}

const MAX_FIELDS = 1000;
const MAX_FIELD_BYTES = 1024 * 1024;
const UNSAFE_NAMES = new Set(['__proto__', 'constructor', 'prototype']);

/** A body the multipart parser refused: the client's error (400 `multipart.parse.failed`). */
/** C0 and C1 control characters and DEL (NUL included). */
// eslint-disable-next-line no-control-regex
const CONTROL_CHARS = /[\u0000-\u001f\u007f-\u009f]/;

export function multipartParseError(err: unknown): Error {
  return Object.assign(new Error((err as Error)?.message ?? 'invalid multipart body'), {
    status: 400,
    type: 'multipart.parse.failed',
    cause: err,
  });
}

/**
 * Reads a multipart body, writing each file under `files` to `folder` as it arrives. A cap
 * passed (file, request, organization, counts) stops reading at once: the request is unpiped
 * and paused, the files written so far are deleted, and the promise rejects with an
 * `UploadLimitError`. Files under other field names are skipped.
 */
export function receiveMultipart(
  req: Request,
  folder: string,
  limits: UploadLimits,
  budget: UploadBudget,
  orgId: string,
): Promise<ReceivedMultipart> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > limits.maxRequestBytes)
      return reject(UploadLimitError.request(limits.maxRequestBytes));
    let parser: busboy.Busboy;
    try {
      parser = busboy({
        headers: req.headers,
        defParamCharset: 'utf8',
        limits: {
          files: limits.maxFiles,
          fileSize: limits.maxFileBytes,
          fields: MAX_FIELDS,
          fieldSize: MAX_FIELD_BYTES,
        },
      });
    } catch (e) {
      return reject(multipartParseError(e));
    }
    const fields: Record<string, string> = {};
    const files: SpooledFile[] = [];
    const writes: Promise<void>[] = [];
    const streams = new Set<{ destroy(): unknown }>();
    let received = 0;
    let done = false;

    const count = (chunk: Buffer) => {
      received += chunk.length;
      if (received > limits.maxRequestBytes) fail(UploadLimitError.request(limits.maxRequestBytes));
    };
    const lost = () => {
      if (!req.complete) fail(new Error('the client closed the request before the upload ended'));
    };
    const stopReading = () => {
      req.off('data', count);
      req.off('close', lost);
      req.unpipe(parser);
    };
    const fail = (err: unknown) => {
      if (done) return;
      done = true;
      stopReading();
      // Not read any further: the answer closes the connection.
      req.pause();
      parser.removeAllListeners();
      parser.on('error', () => {});
      parser.destroy();
      for (const s of streams) s.destroy();
      // Deleted once every write has stopped, so none recreates its file afterwards.
      void Promise.allSettled(writes)
        .then(() => Promise.all(files.map((f) => f.discard().catch(() => {}))))
        .finally(() => reject(err));
    };

    parser.on('field', (name, value, info) => {
      if (info.nameTruncated || info.valueTruncated) return fail(UploadLimitError.fields());
      if (!UNSAFE_NAMES.has(name)) fields[name] = value;
    });
    parser.on('file', (field, stream: Readable & { truncated?: boolean }, info) => {
      if (done || field !== 'files') {
        stream.resume();
        return;
      }
      // A NUL or control character in a name breaks file systems and logs: the client's error (400), never a 500.
      if (info.filename !== undefined && CONTROL_CHARS.test(info.filename)) {
        // The parser, stopped mid-part, reports "unexpected end" on this file's stream: nobody needs it.
        stream.on('error', () => {});
        streams.add(stream);
        return fail(ValidationError.field(field, 'A file name may not contain NUL or other control characters.'));
      }
      const file = new SpooledFile(info.filename ?? 'upload', info.mimeType, join(folder, randomUUID()), budget, orgId);
      files.push(file);
      stream.on('limit', () => fail(UploadLimitError.file(limits.maxFileBytes, field)));
      const meter = new Transform({
        transform(chunk: Buffer, _encoding, callback) {
          if (!file.charge(chunk.length)) return callback(UploadLimitError.organization(limits.maxOrgBytes));
          callback(null, chunk);
        },
      });
      const out = createWriteStream(file.path, { flags: 'wx' });
      streams.add(stream).add(meter).add(out);
      writes.push(pipeline(stream, meter, out).catch(fail));
    });
    parser.on('filesLimit', () => fail(UploadLimitError.files(limits.maxFiles)));
    parser.on('fieldsLimit', () => fail(UploadLimitError.fields()));
    parser.on('error', (e) => fail(multipartParseError(e)));
    parser.on('close', () => {
      void Promise.all(writes).then(() => {
        if (done) return;
        done = true;
        stopReading();
        resolve({ fields, files });
      });
    });
    req.on('data', count);
    req.on('close', lost);
    req.on('error', fail);
    req.pipe(parser);
  });
}
