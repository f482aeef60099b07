export * from './shared/bearer.js';
export * from './shared/classify-error.js';
export * from './shared/dto.js';
export * from './shared/openapi.js';
export * from './shared/request-url.js';
export {
  FILTER_LIMITS,
  FilterBudget,
  FilterLimitError,
  queryLimits,
  type FilterLimits,
  type FilterLimitCode,
} from './shared/filter-limits.js';
export * from './shared/route-set.js';
export {
  UploadSpool,
  DEFAULT_UPLOAD_LIMITS,
  defaultUploadSpool,
  type UploadSpoolOptions,
} from './shared/upload-spool.js';
export { UploadBudget } from './shared/upload-budget.js';
export { UploadLimitError, type UploadLimit } from './shared/upload-errors.js';
export type { UploadLimits } from './shared/receive-multipart.js';
export * from './native/native.route-set.js';
export { nativeErrorHandler } from './native/native-errors.js';
export * from './ops/ops.routes.js';
export * from './zenml/zenml.route-set.js';
export * from './unstract/unstract.route-set.js';
export * from './meergo/meergo.route-set.js';
export * from './flow/flow.route-set.js';
