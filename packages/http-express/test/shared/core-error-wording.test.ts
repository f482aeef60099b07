import {
  CannotRunIncrementallyError,
  ConflictError,
  OrgNotNormalError,
  PermissionDeniedError,
  PipelineDisabledError,
  RunInProgressError,
  ValidationError,
  ruleIssue,
} from '@pipewright/core';
import { flowErrorHandler } from '../../src/flow/flow-errors.js';
import { meergoErrorHandler } from '../../src/meergo/meergo-errors.js';
import { nativeErrorHandler } from '../../src/native/native-errors.js';
import { PIPELINE_ATTRS, unstractError } from '../../src/unstract/unstract-errors.js';
import { zenmlErrorHandler } from '../../src/zenml/zenml-errors.js';
import { errorAnswer } from '../support/error-answer.js';

const DRF_DENIED = 'You do not have permission to perform this action.';
/** Rows titled by the error's class and core message (a bare `%s` would print the stack). */
const titled = <R extends [Error, ...unknown[]]>(rows: R[]) =>
  rows.map((r) => [`${r[0].name} (${r[0].message})`, ...r] as [string, ...R]);
const incrementalIssue = () => new ValidationError([ruleIssue('incremental', 'requires_update_time_column')]);

// Core words its refusals in plain English and carries the facts; each dialect answers its product's sentence.
describe("core errors in the dialects' words", () => {
  it('core keeps no product wording in its messages', () => {
    const messages = [
      new PermissionDeniedError().message,
      new PermissionDeniedError({ entity: 'Run', id: 'r', action: 'write' }).message,
      new PipelineDisabledError('p1', 3, 'daily').message,
      new RunInProgressError('p1', 3).message,
      new CannotRunIncrementallyError().message,
      new OrgNotNormalError('inspection').message,
      incrementalIssue().message,
    ];
    for (const m of messages)
      expect(m).not.toMatch(
        /You do not have|job|data warehouse|is already in progress|^pipeline is|requires an update time column/,
      );
  });

  describe('Meergo', () => {
    const meergo = (code: string, message: string) => ({ error: { code, message } });
    it.each(
      titled([
        [new PipelineDisabledError('p1', 12, 'daily'), 422, meergo('PipelineDisabled', 'pipeline 12 is disabled')],
        [new PipelineDisabledError('p1'), 422, meergo('PipelineDisabled', 'pipeline is disabled')],
        [new RunInProgressError('p1', 12), 422, meergo('RunInProgress', 'pipeline 12 is already in progress')],
        [new RunInProgressError('p1'), 422, meergo('RunInProgress', 'pipeline is already in progress')],
        [
          new CannotRunIncrementallyError(),
          422,
          meergo('CannotRunIncrementally', 'incremental requires an update time column'),
        ],
        [new OrgNotNormalError('inspection'), 422, meergo('InspectionMode', 'data warehouse is in inspection mode')],
        [new OrgNotNormalError('maintenance'), 422, meergo('MaintenanceMode', 'data warehouse is in maintenance mode')],
        [incrementalIssue(), 400, meergo('BadRequest', 'incremental requires an update time column')],
        [new PermissionDeniedError(), 403, meergo('Forbidden', DRF_DENIED)],
        [new PermissionDeniedError('workspace is required'), 403, meergo('Forbidden', 'workspace is required')],
        [
          new ConflictError('pipeline', 'name', 'p', undefined, 'o1'),
          422,
          meergo('AlreadyExists', 'A pipeline with the name p already exists.'),
        ],
      ]),
    )('%s', async (_title, err, status, body) => {
      expect(await errorAnswer(meergoErrorHandler, err)).toMatchObject({ status, body });
    });
  });

  describe('Flow', () => {
    const flow = (msg: string) => ({ status: 'ERROR', msg });
    it.each(
      titled([
        [
          new PermissionDeniedError({ entity: 'Run', id: 'r1', action: 'write' }),
          flow('You do not have write access to the job.'),
        ],
        [
          new PermissionDeniedError({ entity: 'Pipeline', id: 'p9', action: 'manage' }),
          flow('You cannot manage pipeline p9.'),
        ],
        [new PermissionDeniedError(), flow(DRF_DENIED)],
        [
          new PermissionDeniedError('You do not belong to any organization.'),
          flow('You do not belong to any organization.'),
        ],
        [new PipelineDisabledError('p1', 3, 'daily'), flow('pipeline is disabled')],
        [new RunInProgressError('p1', 3), flow('pipeline is already in progress')],
        [new CannotRunIncrementallyError(), flow('incremental requires an update time column')],
        [new OrgNotNormalError('maintenance'), flow('data warehouse is in maintenance mode')],
      ]),
    )('%s', async (_title, err, body) => {
      expect(await errorAnswer(flowErrorHandler, err)).toMatchObject({ status: 200, body });
    });
  });

  describe('ZenML', () => {
    const zenml = (name: string, message: string) => ({ detail: [name, message] });
    it.each(
      titled([
        [
          new ConflictError('pipeline', 'name', 'dup', undefined, 'org-1'),
          409,
          zenml(
            'EntityExistsError',
            "Unable to create pipeline in project 'org-1': A pipeline with the name dup already exists.",
          ),
        ],
        [
          new ConflictError('tag', 'name', 'gold', undefined, 'org-1'),
          409,
          zenml('EntityExistsError', 'A tag with the name gold already exists.'),
        ],
        [new PermissionDeniedError(), 403, zenml('IllegalOperationError', DRF_DENIED)],
        [
          new PermissionDeniedError('Users can not change their own admin status.'),
          403,
          zenml('IllegalOperationError', 'Users can not change their own admin status.'),
        ],
        [new RunInProgressError('p1', 4), 409, zenml('EntityExistsError', 'pipeline is already in progress')],
        [new PipelineDisabledError('p1', 4, 'daily'), 400, zenml('IllegalOperationError', 'pipeline is disabled')],
        [
          new OrgNotNormalError('inspection'),
          400,
          zenml('IllegalOperationError', 'data warehouse is in inspection mode'),
        ],
      ]),
    )('%s', async (_title, err, status, body) => {
      expect(await errorAnswer(zenmlErrorHandler, err)).toMatchObject({ status, body });
    });
  });

  describe('native', () => {
    it.each(
      titled([
        [new PermissionDeniedError(), 403, { code: 'PERMISSION_DENIED', detail: DRF_DENIED }],
        [
          new PermissionDeniedError({ entity: 'Organization', id: 'o1', action: 'access' }),
          403,
          { detail: 'Organization access denied' },
        ],
        [
          new PipelineDisabledError('p1', 3, 'daily'),
          422,
          { code: 'PIPELINE_DISABLED', detail: 'pipeline is disabled' },
        ],
        [new RunInProgressError('p1', 3), 422, { code: 'RUN_IN_PROGRESS', detail: 'pipeline is already in progress' }],
        [new CannotRunIncrementallyError(), 422, { detail: 'incremental requires an update time column' }],
        [
          new OrgNotNormalError('inspection'),
          422,
          { code: 'ORG_NOT_NORMAL', detail: 'data warehouse is in inspection mode' },
        ],
        [
          incrementalIssue(),
          400,
          {
            detail: 'incremental: incremental requires an update time column',
            errors: [
              {
                field: 'incremental',
                message: 'incremental requires an update time column',
                code: 'requires_update_time_column',
              },
            ],
          },
        ],
        [
          new ConflictError('pipeline', 'name', 'p', undefined, 'o1'),
          409,
          { code: 'CONFLICT', detail: 'A pipeline with the name p already exists.' },
        ],
      ]),
    )('%s', async (_title, err, status, body) => {
      expect(await errorAnswer(nativeErrorHandler, err)).toMatchObject({
        status,
        type: expect.stringContaining('application/problem+json'),
        body,
      });
    });
  });

  describe('Unstract', () => {
    const drf = (type: string, code: string, detail: string, attr: string | null = null) => ({
      type,
      errors: [{ code, detail, attr }],
    });
    it.each(
      titled([
        [
          new PipelineDisabledError('p1', 3, 'daily'),
          422,
          drf('client_error', 'error', "Pipeline 'daily' is inactive, please activate the pipeline"),
        ],
        [
          new PermissionDeniedError({ entity: 'Run', id: 'r1', action: 'write' }),
          403,
          drf('client_error', 'permission_denied', DRF_DENIED),
        ],
        [
          new PermissionDeniedError({ entity: 'Organization', id: 'o1', action: 'access' }),
          403,
          drf('client_error', 'permission_denied', DRF_DENIED),
        ],
        [new RunInProgressError('p1', 3), 409, drf('client_error', 'error', 'pipeline is already in progress')],
        [
          new OrgNotNormalError('inspection'),
          409,
          drf('client_error', 'error', 'data warehouse is in inspection mode'),
        ],
        [
          new ConflictError('pipeline', 'name', 'p', undefined, 'o1'),
          400,
          drf(
            'validation_error',
            'unique',
            'This pipeline name is already in use. Please select a different name.',
            'pipeline_name',
          ),
        ],
      ]),
    )('%s', (_title, err, status, body) => {
      expect(unstractError(err, PIPELINE_ATTRS)).toEqual({ status, body });
    });
  });
});
