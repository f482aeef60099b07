import {
  CannotRunIncrementallyError,
  OrgNotNormalError,
  PermissionDeniedError,
  PipelineDisabledError,
  RunInProgressError,
  type DomainError,
} from '@pipewright/core';

/** Django REST Framework's PermissionDenied sentence, which the route sets model. */
export const PERMISSION_DENIED_TEXT = 'You do not have permission to perform this action.';

/** What Unstract's organization middleware answers a principal outside the organization. */
export const ORGANIZATION_ACCESS_DENIED_TEXT = 'Organization access denied';

/**
 * The sentence every dialect answers a core error with unless its own table words it
 * otherwise (`classifyError` puts it in `message`). Core's messages are plain English for logs
 * and embedders; the products' texts live here: DRF's refusal, Unstract's organization
 * middleware, and Meergo's run refusals (Meergo's table adds the pipeline's number, the other
 * dialects answer them as they are). `undefined` leaves the core's own message.
 */
export function coreErrorText(err: DomainError): string | undefined {
  if (err instanceof PermissionDeniedError) {
    if (err.worded) return err.message;
    if (err.target?.entity === 'Organization' && err.target.action === 'access') return ORGANIZATION_ACCESS_DENIED_TEXT;
    return PERMISSION_DENIED_TEXT;
  }
  if (err instanceof PipelineDisabledError) return meergoRunRefusal(err);
  if (err instanceof RunInProgressError) return meergoRunRefusal(err);
  if (err instanceof CannotRunIncrementallyError) return 'incremental requires an update time column';
  if (err instanceof OrgNotNormalError) return `data warehouse is in ${err.mode} mode`;
  return undefined;
}

/** Meergo's sentence for a disabled or busy pipeline; `seq` (Meergo's pipeline id) names it when given. */
export function meergoRunRefusal(err: PipelineDisabledError | RunInProgressError, seq?: number): string {
  const pipeline = seq === undefined ? 'pipeline' : `pipeline ${seq}`;
  return err instanceof PipelineDisabledError ? `${pipeline} is disabled` : `${pipeline} is already in progress`;
}
