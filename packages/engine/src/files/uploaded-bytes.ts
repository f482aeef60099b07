import type { UploadedFile } from '@pipewright/core';

/** An uploaded file over bytes already in memory (embedders, tests); nothing to discard. */
export function uploadedBytes(name: string, content: Uint8Array | string, mimeType?: string): UploadedFile {
  const bytes = typeof content === 'string' ? new TextEncoder().encode(content) : content;
  return {
    name,
    size: bytes.byteLength,
    ...(mimeType ? { mimeType } : {}),
    async *stream() {
      yield bytes;
    },
  };
}
