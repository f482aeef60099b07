import type { UploadedFile } from '@pipewright/core';
import type { FileSourceConnector } from '../types.js';

/** A posted file name without any folder part (clients may send paths). */
export function uploadName(name: string): string {
  const base = name.split(/[\\/]/).pop()?.trim();
  return base && base !== '.' && base !== '..' ? base : 'upload';
}

/**
 * Files posted with the execute request. File history applies only when the workflow
 * asks for it (`useFileHistory`), as for Unstract's API deployments.
 */
export const uploadSource: FileSourceConnector = {
  kind: 'files',
  name: 'upload',
  description: 'Files posted with the execute request.',
  settingsSchema: {
    type: 'object',
    properties: {
      useFileHistory: { type: 'boolean', default: false, description: 'Skip files already processed, as for folders.' },
    },
    additionalProperties: false,
  },
  usesFileHistory: (settings) => settings.useFileHistory === true,
  async *files(_settings, ctx) {
    for (const upload of ctx.uploads) {
      const name = uploadName(upload.name);
      // Read where the bytes were received (a temporary file, the run queue), chunk by chunk.
      yield {
        name,
        path: name,
        mimeType: upload.mimeType,
        stream: () => upload.stream(),
        read: () => readWhole(upload),
      };
    }
  },
};

async function readWhole(upload: UploadedFile): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const chunk of upload.stream()) parts.push(chunk);
  return Buffer.concat(parts);
}
