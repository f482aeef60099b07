import { createReadStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import type { UploadedFile } from '@pipewright/core';
import type { UploadBudget } from './upload-budget.js';

/**
 * An uploaded file written to the server's upload folder as it was received. Its bytes count
 * against its organization's upload budget until it is discarded (by the run's executor once
 * the run no longer needs it, or by the request when no run took it).
 */
export class SpooledFile implements UploadedFile {
  size = 0;
  readonly mimeType?: string;
  private discarded = false;

  constructor(
    readonly name: string,
    mimeType: string | undefined,
    /** Where the bytes are on disk. */
    readonly path: string,
    private readonly budget: UploadBudget,
    private readonly orgId: string,
  ) {
    if (mimeType) this.mimeType = mimeType;
  }

  /** Counts `bytes` more of the file against the budget; false if the organization's cap would be passed. */
  charge(bytes: number): boolean {
    if (!this.budget.take(this.orgId, bytes)) return false;
    this.size += bytes;
    return true;
  }

  stream(): AsyncIterable<Uint8Array> {
    if (this.discarded) throw new Error(`the uploaded file ${this.name} was deleted`);
    return createReadStream(this.path, { highWaterMark: 256 * 1024 });
  }

  async discard(): Promise<void> {
    if (this.discarded) return;
    this.discarded = true;
    this.budget.give(this.orgId, this.size);
    await rm(this.path, { force: true });
  }
}
