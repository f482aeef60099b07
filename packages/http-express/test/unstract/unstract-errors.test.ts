import {
  CannotRunIncrementallyError,
  ConflictError,
  InvalidStateError,
  NotFoundError,
  OrgNotNormalError,
  PermissionDeniedError,
  PipelineDisabledError,
  RunInProgressError,
  UnauthenticatedError,
  UnavailableError,
  ValidationError,
} from '@pipewright/core';
import { UploadLimitError } from '../../src/shared/upload-errors.js';
import {
  PIPELINE_ATTRS,
  WORKFLOW_ATTRS,
  apiException,
  endpointAttrs,
  unstractAttr,
  unstractError,
} from '../../src/unstract/unstract-errors.js';

const body = (type: string, code: string, detail: string, attr: string | null = null) => ({
  type,
  errors: [{ code, detail, attr }],
});

// The dialect's one error table: every kind a core error (or a transport failure) can have.
describe('unstract error table', () => {
  it.each([
    [new NotFoundError('Pipeline', 'x'), 404, body('client_error', 'not_found', 'Pipeline not found.')],
    [new NotFoundError('Run', 'x'), 404, body('client_error', 'not_found', 'Execution not found.')],
    [new NotFoundError('Route'), 404, body('client_error', 'not_found', 'Not found.')],
    [new NotFoundError('Page'), 404, body('client_error', 'not_found', 'Invalid page.')],
    [
      new PermissionDeniedError('You do not have write access to the job.'),
      403,
      body('client_error', 'permission_denied', 'You do not have permission to perform this action.'),
    ],
    [
      new ConflictError('workflow', 'id', 'w1', 'The workflow is used by 2 pipeline(s); delete them first.'),
      409,
      body('client_error', 'error', 'The workflow is used by 2 pipeline(s); delete them first.'),
    ],
    [
      new InvalidStateError('Cannot cancel a run that is COMPLETED.'),
      400,
      body('client_error', 'error', 'Cannot cancel a run that is COMPLETED.'),
    ],
    [new PipelineDisabledError('p1'), 422, body('client_error', 'error', 'pipeline is disabled')],
    [new RunInProgressError('p1'), 409, body('client_error', 'error', 'pipeline is already in progress')],
    [
      new CannotRunIncrementallyError(),
      400,
      body('client_error', 'error', 'incremental requires an update time column'),
    ],
    [new OrgNotNormalError('maintenance'), 409, body('client_error', 'error', 'data warehouse is in maintenance mode')],
    [new UnavailableError('db down'), 503, body('server_error', 'error', 'db down')],
    [new Error('boom'), 500, body('server_error', 'error', 'A server error occurred.')],
    [
      Object.assign(new Error('too big'), { type: 'entity.too.large', status: 413 }),
      413,
      body('client_error', 'error', 'Request body is too large.'),
    ],
  ])('%s → %i', (err, status, expected) => {
    expect(unstractError(err)).toEqual({ status, body: expected });
  });

  it('answers Unauthenticated with the plain {"message"} body', () => {
    expect(unstractError(new UnauthenticatedError('whatever'))).toEqual({
      status: 401,
      body: { message: 'Unauthorized' },
    });
  });

  it('maps validation issues to Unstract attributes and DRF codes; a missing field reports only "required"', () => {
    const err = new ValidationError([
      { field: 'name', message: 'This field is required.', code: 'required' },
      { field: 'name', message: 'Not a valid string.', code: 'isString' },
      {
        field: 'cron',
        message: 'The schedule fires every 60 seconds; the minimum interval is 1800 seconds.',
        code: 'min_interval',
      },
      { field: 'workflowId', message: 'Invalid pk.', code: 'does_not_exist' },
      { field: 'pipeline_type', message: '"X" is not a valid choice.', code: 'isIn' },
      { field: 'non_field_errors', message: 'Nope.', code: 'invalid' },
    ]);
    expect(unstractError(err, PIPELINE_ATTRS)).toEqual({
      status: 400,
      body: {
        type: 'validation_error',
        errors: [
          { code: 'required', detail: 'This field is required.', attr: 'pipeline_name' },
          {
            code: 'min_interval',
            detail: 'The schedule fires every 60 seconds; the minimum interval is 1800 seconds.',
            attr: 'cron_string',
          },
          { code: 'does_not_exist', detail: 'Invalid pk.', attr: 'workflow' },
          { code: 'invalid_choice', detail: '"X" is not a valid choice.', attr: 'pipeline_type' },
          { code: 'invalid', detail: 'Nope.', attr: 'non_field_errors' },
        ],
      },
    });
  });

  it('renames nested core fields', () => {
    expect(unstractAttr('source.connector', WORKFLOW_ATTRS)).toBe('source_settings.connector');
    expect(unstractAttr('stages.inputSchema', WORKFLOW_ATTRS)).toBe('stage_settings.input_schema');
    expect(unstractAttr('maxFileExecutionCount', WORKFLOW_ATTRS)).toBe('max_file_execution_count');
    expect(unstractAttr('updatedAtColumn', {})).toBe('updated_at_column');
  });

  it('renames a workflow endpoint’s fields (one role of the definition)', () => {
    const source = endpointAttrs('source');
    expect(unstractAttr('source.connection', source)).toBe('connector_instance');
    expect(unstractAttr('source.connection', endpointAttrs('source', 'connector_instance_id'))).toBe(
      'connector_instance_id',
    );
    expect(unstractAttr('source.settings.connectionString', source)).toBe('configuration.connectionString');
    expect(unstractAttr('source.settings', source)).toBe('configuration');
    expect(unstractAttr('source.connector', source)).toBe('connection_type');
    expect(unstractAttr('connection_type', source)).toBe('connection_type');
    // The other role and the stages are not this endpoint's fields.
    expect(unstractAttr('destination.settings.path', source)).toBe('non_field_errors');
    expect(unstractAttr('stages.filter', source)).toBe('non_field_errors');
    expect(unstractAttr('destination.settings.path', endpointAttrs('destination'))).toBe('configuration.path');
    expect(unstractError(new NotFoundError('WorkflowEndpoint', 'x')).body).toEqual(
      body('client_error', 'not_found', 'Not found.'),
    );
  });

  it('reports duplicate names on the resource’s name field', () => {
    expect(unstractError(new ConflictError('pipeline', 'name', 'p'), PIPELINE_ATTRS).body).toEqual(
      body(
        'validation_error',
        'unique',
        'This pipeline name is already in use. Please select a different name.',
        'pipeline_name',
      ),
    );
    expect(unstractError(new ConflictError('workflow', 'name', 'w'), WORKFLOW_ATTRS).body).toEqual(
      body('validation_error', 'unique', 'A workflow with this name already exists.', 'workflow_name'),
    );
  });

  it('passes hand-built responses through and maps upload limits', () => {
    expect(unstractError(apiException(422, 'inactive'))).toEqual({
      status: 422,
      body: body('client_error', 'error', 'inactive'),
    });
    expect(unstractError(UploadLimitError.file(50 * 1024 * 1024, 'files'))).toEqual({
      status: 413,
      body: {
        type: 'client_error',
        errors: [{ code: 'error', detail: 'An uploaded file is larger than the limit of 50 MiB.', attr: 'files' }],
      },
    });
    expect(unstractError(UploadLimitError.request(200 * 1024 * 1024)).status).toBe(413);
    expect(unstractError(UploadLimitError.organization(1024 * 1024 * 1024)).status).toBe(413);
    expect(unstractError(UploadLimitError.files(100)).status).toBe(400);
  });
});
