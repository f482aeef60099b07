import type { UploadedFile } from '@pipewright/core';
import type { Response } from 'express';

/**
 * The files one request uploaded, until a run takes them. Handed to a run, they are its
 * executor's to discard; files no run took are discarded when the response ends.
 */
export class RequestUploads {
  private handed = false;
  private dropped = false;

  constructor(private readonly files: readonly UploadedFile[]) {}

  get count(): number {
    return this.files.length;
  }

  /**
   * Starts a run with the files (`start` passes them to the core, whose executor then owns
   * them). If `start` throws, no run has them: they are discarded here.
   */
  async handTo<T>(start: (files: UploadedFile[]) => Promise<T>): Promise<T> {
    if (!this.files.length) return start([]);
    if (this.handed) throw new Error('the uploaded files were handed to a run already');
    if (this.dropped) throw new Error('the request ended before its files reached a run');
    this.handed = true;
    try {
      return await start([...this.files]);
    } catch (e) {
      await discardAll(this.files);
      throw e;
    }
  }

  /** Discards the files unless a run took them (the response has ended). */
  async discardUnused(): Promise<void> {
    if (this.handed || this.dropped) return;
    this.dropped = true;
    await discardAll(this.files);
  }
}

export async function discardAll(files: readonly UploadedFile[]): Promise<void> {
  await Promise.all(files.map((f) => Promise.resolve(f.discard?.()).catch(() => {})));
}

/** The files the request's multipart body carried (none for other bodies). */
export function requestUploads(res: Response): RequestUploads {
  return (res.locals.uploads as RequestUploads | undefined) ?? new RequestUploads([]);
}
