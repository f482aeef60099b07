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
      yield { name, path: name, mimeType: upload.mimeType, read: async () => upload.content };
    }
  },
};
