import { Issues } from './validate.js';

export interface ApiDeploymentState {
  id: string;
  orgId: string;
  workflowId: string;
  /** The name in the public URL (`/deployment/api/{org}/{apiName}/`), unique per organization. */
  apiName: string;
  displayName: string;
  description: string;
  isActive: boolean;
  ownerId: string;
  sharedUserIds: string[];
  sharedToOrg: boolean;
  createdBy: string;
  modifiedBy: string;
  createdAt: Date;
  updatedAt: Date;
}

export interface ApiDeploymentFields {
  apiName?: string;
  displayName?: string;
  description?: string | null;
  isActive?: boolean;
  workflowId?: string;
}

export const API_NAME_MAX = 30;
export const API_NAME_RE = /^[a-zA-Z0-9_-]+$/;
const DESCRIPTION_MAX = 255;

function validate(issues: Issues, f: ApiDeploymentFields): void {
  if (f.apiName !== undefined) {
    issues.text('apiName', f.apiName, { max: API_NAME_MAX, required: true });
    if (
      typeof f.apiName === 'string' &&
      f.apiName !== '' &&
      f.apiName.length <= API_NAME_MAX &&
      !API_NAME_RE.test(f.apiName)
    )
      issues.add('apiName', 'Only letters, numbers, hyphen and underscores are allowed.', 'invalid_api_name');
  }
  if (f.displayName !== undefined) issues.text('displayName', f.displayName, { max: API_NAME_MAX, required: true });
  if (f.description !== undefined && f.description !== null)
    issues.text('description', f.description, { max: DESCRIPTION_MAX });
  if (f.isActive !== undefined && typeof f.isActive !== 'boolean') issues.add('isActive', 'Must be a boolean.');
}

/**
 * A named HTTP API over a workflow: files posted to its URL with one of its keys run the
 * workflow. Shareable like pipelines and workflows (owner, shared users, the whole org).
 */
export class ApiDeployment {
  private constructor(private state: ApiDeploymentState) {}

  static create(input: {
    id: string;
    orgId: string;
    workflowId: string;
    apiName: string;
    displayName?: string;
    description?: string | null;
    isActive?: boolean;
    ownerId: string;
    now: Date;
  }): ApiDeployment {
    const issues = new Issues();
    validate(issues, {
      apiName: input.apiName,
      displayName: input.displayName,
      description: input.description,
      isActive: input.isActive,
    });
    issues.throwIfAny();
    return new ApiDeployment({
      id: input.id,
      orgId: input.orgId,
      workflowId: input.workflowId,
      apiName: input.apiName,
      // Unstract's model default when none is given.
      displayName: input.displayName?.trim() || 'default api',
      description: input.description ?? '',
      isActive: input.isActive ?? true,
      ownerId: input.ownerId,
      sharedUserIds: [],
      sharedToOrg: false,
      createdBy: input.ownerId,
      modifiedBy: input.ownerId,
      createdAt: input.now,
      updatedAt: input.now,
    });
  }

  static restore(state: ApiDeploymentState): ApiDeployment {
    return new ApiDeployment({ ...state, sharedUserIds: [...state.sharedUserIds] });
  }

  get id(): string {
    return this.state.id;
  }
  get orgId(): string {
    return this.state.orgId;
  }
  get workflowId(): string {
    return this.state.workflowId;
  }
  get apiName(): string {
    return this.state.apiName;
  }
  get displayName(): string {
    return this.state.displayName;
  }
  get description(): string {
    return this.state.description;
  }
  get isActive(): boolean {
    return this.state.isActive;
  }
  get ownerId(): string {
    return this.state.ownerId;
  }
  get sharedUserIds(): readonly string[] {
    return this.state.sharedUserIds;
  }
  get sharedToOrg(): boolean {
    return this.state.sharedToOrg;
  }
  get createdBy(): string {
    return this.state.createdBy;
  }
  get modifiedBy(): string {
    return this.state.modifiedBy;
  }
  get createdAt(): Date {
    return this.state.createdAt;
  }
  get updatedAt(): Date {
    return this.state.updatedAt;
  }

  /** Changes the given fields (all validated together). */
  change(fields: ApiDeploymentFields, by: string, now: Date): void {
    const issues = new Issues();
    validate(issues, fields);
    issues.throwIfAny();
    const next = { ...this.state };
    if (fields.apiName !== undefined) next.apiName = fields.apiName;
    if (fields.displayName !== undefined) next.displayName = fields.displayName.trim();
    if (fields.description !== undefined) next.description = fields.description ?? '';
    if (fields.isActive !== undefined) next.isActive = fields.isActive;
    if (fields.workflowId !== undefined) next.workflowId = fields.workflowId;
    this.state = { ...next, modifiedBy: by, updatedAt: now };
  }

  share(userIds: readonly string[], toOrg: boolean, by: string, now: Date): void {
    const unique = [...new Set(userIds)].filter((u) => u !== this.state.ownerId);
    this.state = { ...this.state, sharedUserIds: unique, sharedToOrg: toOrg, modifiedBy: by, updatedAt: now };
  }

  toState(): ApiDeploymentState {
    return { ...this.state, sharedUserIds: [...this.state.sharedUserIds] };
  }
}
