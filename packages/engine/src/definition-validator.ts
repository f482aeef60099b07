import {
  ValidationError,
  type ConnectorConfig,
  type DefinitionValidator,
  type FieldIssue,
  type WorkflowDefinition,
} from '@pipewright/core';
import type { Ajv, ErrorObject, ValidateFunction } from 'ajv';
import type { ConnectorRegistry } from './connectors/registry.js';
import type { ConnectorEnvironment, DestinationConnector, SourceConnector } from './connectors/types.js';
import { createAjv } from './stages/json-schema.js';
import { StageChain } from './stages/stage-chain.js';

/** `/columns/0` + required `table` → `columns.0.table`. */
export function issueField(prefix: string, e: ErrorObject): string {
  const parts = e.instancePath.split('/').filter(Boolean);
  const missing = (e.params as { missingProperty?: string }).missingProperty;
  const extra = (e.params as { additionalProperty?: string }).additionalProperty;
  if (missing) parts.push(missing);
  if (extra) parts.push(extra);
  return [prefix, ...parts].join('.');
}

export function issueMessage(e: ErrorObject): string {
  if (e.keyword === 'required') return 'This field is required.';
  if (e.keyword === 'additionalProperties') return 'Unknown setting.';
  return `Must ${e.message ?? 'be valid'}.`.replace('Must must', 'Must');
}

/**
 * Checks a workflow definition against the engine when it is saved: connectors exist and
 * their settings match their schema (and their own checks), schemas compile, JSONata
 * expressions parse, handlers are registered. Throws one ValidationError listing all issues.
 */
export class EngineDefinitionValidator implements DefinitionValidator {
  private readonly ajv: Ajv = createAjv();
  private readonly compiled = new WeakMap<object, ValidateFunction>();

  constructor(
    private readonly registry: ConnectorRegistry,
    private readonly env: ConnectorEnvironment,
  ) {}

  validate(definition: WorkflowDefinition): void {
    const issues = this.issues(definition);
    if (issues.length) throw new ValidationError(issues);
  }

  /** The problems of a definition, empty when it can run. */
  issues(definition: WorkflowDefinition): FieldIssue[] {
    return [
      ...StageChain.compile(definition.stages ?? {}, (n) => this.registry.handler(n)).issues,
      ...this.connectorIssues(definition),
    ];
  }

  /** The problems of the source and destination only (the engine compiles the stages itself). */
  connectorIssues(definition: WorkflowDefinition): FieldIssue[] {
    return [
      ...this.connector('source', definition.source, (n) => this.registry.source(n)),
      ...this.connector('destination', definition.destination, (n) => this.registry.destination(n)),
    ];
  }

  private connector(
    field: 'source' | 'destination',
    config: ConnectorConfig | null,
    find: (name: string) => SourceConnector | DestinationConnector | undefined,
  ): FieldIssue[] {
    if (!config) return [];
    const connector = find(config.connector);
    if (!connector) {
      const known = (field === 'source' ? this.registry.sources() : this.registry.destinations()).map((c) => c.name);
      return [
        {
          field: `${field}.connector`,
          message: `Unknown ${field} connector "${config.connector}"; use one of ${known.join(', ')}.`,
          code: 'invalid_choice',
        },
      ];
    }
    const settings = config.settings ?? {};
    const validate = this.schemaOf(connector);
    if (!validate(settings))
      return (validate.errors ?? []).map((e) => ({
        field: issueField(`${field}.settings`, e),
        message: issueMessage(e),
        code: 'invalid',
      }));
    return (connector.check?.(settings, this.env) ?? []).map((i) => ({ ...i, field: `${field}.settings.${i.field}` }));
  }

  private schemaOf(connector: SourceConnector | DestinationConnector): ValidateFunction {
    let validate = this.compiled.get(connector);
    if (!validate) {
      validate = this.ajv.compile(connector.settingsSchema);
      this.compiled.set(connector, validate);
    }
    return validate;
  }
}
