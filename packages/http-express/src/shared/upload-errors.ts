/** Which limit an upload passed. */
export type UploadLimit = 'file' | 'request' | 'organization' | 'files' | 'fields';

const MiB = 1024 * 1024;
const mib = (bytes: number) => `${Math.round((bytes / MiB) * 10) / 10} MiB`;

/**
 * A multipart upload passed one of the server's limits: a byte cap (413) or a count of parts
 * (400). Thrown while the body is being received; nothing of the request is kept.
 */
export class UploadLimitError extends Error {
  constructor(
    readonly limit: UploadLimit,
    message: string,
    readonly status: 413 | 400,
    /** The form field the limit concerns, if one. */
    readonly field: string | null = null,
  ) {
    super(message);
    this.name = 'UploadLimitError';
  }

  static file(maxBytes: number, field: string): UploadLimitError {
    return new UploadLimitError('file', `An uploaded file is larger than the limit of ${mib(maxBytes)}.`, 413, field);
  }
  static request(maxBytes: number): UploadLimitError {
    return new UploadLimitError(
      'request',
      `The request is larger than the upload limit of ${mib(maxBytes)} per request.`,
      413,
    );
  }
  static organization(maxBytes: number): UploadLimitError {
    return new UploadLimitError(
      'organization',
      `The organization's uploads waiting for their runs would pass its limit of ${mib(maxBytes)}; try again once they have run.`,
      413,
    );
  }
  static files(max: number): UploadLimitError {
    return new UploadLimitError('files', `Too many files: at most ${max} per request.`, 400);
  }
  static fields(): UploadLimitError {
    return new UploadLimitError('fields', 'Too many form fields, or a form field is too long.', 400);
  }
}
