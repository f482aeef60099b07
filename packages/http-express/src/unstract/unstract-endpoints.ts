import { createHash } from 'node:crypto';
import { ValidationError, type Connection, type ConnectorConfig, type Workflow } from '@pipewright/core';
import { connectorInstanceView, iso } from './unstract-views.js';

/**
 * Unstract's workflow endpoints over our workflow definitions, with no table of their own:
 * a workflow's SOURCE endpoint is its `source`, its DESTINATION endpoint its `destination`.
 */

export const ENDPOINT_TYPES = ['SOURCE', 'DESTINATION'] as const;
export type EndpointType = (typeof ENDPOINT_TYPES)[number];

/** Unstract's WorkflowEndpoint.ConnectionType, plus "" (not chosen, Unstract's blank value). */
export const CONNECTION_TYPES = ['FILESYSTEM', 'DATABASE', 'API', 'APPDEPLOYMENT', 'MANUALREVIEW'] as const;
export type ConnectionType = (typeof CONNECTION_TYPES)[number] | '';

export const roleOf = (type: EndpointType): 'source' | 'destination' => (type === 'SOURCE' ? 'source' : 'destination');

// ---- ids ----

/**
 * An endpoint's id is its workflow's id XORed with a fixed 128-bit mask per endpoint type
 * (the SHA-256 of "pipewright:unstract:workflow-endpoint:<TYPE>", with the UUID version and
 * variant bits cleared so the result keeps the workflow id's version and variant). So it is
 * stable, a well-formed UUID, different for SOURCE and DESTINATION — and, unlike a name-based
 * UUID v5, it maps back to its workflow with one lookup instead of a scan of every workflow.
 */
const MASKS: Record<EndpointType, Buffer> = {
  SOURCE: maskFor('SOURCE'),
  DESTINATION: maskFor('DESTINATION'),
};

function maskFor(type: EndpointType): Buffer {
  const mask = createHash('sha256').update(`pipewright:unstract:workflow-endpoint:${type}`).digest().subarray(0, 16);
  mask[6]! &= 0x0f; // version nibble
  mask[8]! &= 0x3f; // variant bits
  return mask;
}

function xorUuid(uuid: string, mask: Buffer): string {
  const bytes = Buffer.from(uuid.replace(/-/g, ''), 'hex');
  for (let i = 0; i < 16; i++) bytes[i]! ^= mask[i]!;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The stable id of a workflow's SOURCE or DESTINATION endpoint. */
export function endpointId(workflowId: string, type: EndpointType): string {
  return xorUuid(workflowId.toLowerCase(), MASKS[type]);
}

/** The (workflow id, type) pairs an endpoint id can stand for; the one whose workflow exists is it. */
export function endpointCandidates(id: string): Array<{ workflowId: string; type: EndpointType }> {
  return ENDPOINT_TYPES.map((type) => ({ workflowId: xorUuid(id.toLowerCase(), MASKS[type]), type }));
}

// ---- connection types ----

/** The connector a connection type stands for when a client picks the type without a connector instance. */
const DEFAULT_CONNECTORS: Record<'source' | 'destination', Partial<Record<ConnectionType, string>>> = {
  source: { FILESYSTEM: 'filesystem', DATABASE: 'postgres', API: 'upload' },
  destination: { FILESYSTEM: 'filesystem', DATABASE: 'postgres', API: 'webhook' },
};

/** A connection kind's connection type (plug-in kinds: ""). */
export function connectionTypeOfKind(kind: string): ConnectionType {
  if (kind === 'postgres') return 'DATABASE';
  if (kind === 'filesystem') return 'FILESYSTEM';
  if (kind === 'webhook') return 'API';
  return '';
}

/**
 * An endpoint's connection type: postgres → DATABASE, filesystem → FILESYSTEM, upload (files
 * posted with the run, Unstract's API source) and webhook → API; inline and none have no
 * Unstract counterpart and show "" (as an endpoint whose type was never chosen); a plug-in
 * connector shows its connection's type.
 */
export function connectionTypeOf(
  role: 'source' | 'destination',
  config: ConnectorConfig | null,
  connection: Connection | null,
): ConnectionType {
  if (!config) return '';
  for (const [type, connector] of Object.entries(DEFAULT_CONNECTORS[role]))
    if (connector === config.connector) return type as ConnectionType;
  return connection ? connectionTypeOfKind(connection.kind) : '';
}

// ---- views ----

/** A WorkflowEndpoint row; `connector_instance` is the connection as a connector instance (secrets masked) or null. */
export function endpointView(wf: Workflow, type: EndpointType, connection: Connection | null) {
  const role = roleOf(type);
  const config = wf.definition[role];
  return {
    id: endpointId(wf.id, type),
    workflow: wf.id,
    workflow_name: wf.name,
    endpoint_type: type,
    connection_type: connectionTypeOf(role, config, connection),
    configuration: config ? config.settings : null,
    connector_instance: connection ? connectorInstanceView(connection, wf.orgId) : null,
    created_at: iso(wf.createdAt),
    modified_at: iso(wf.updatedAt),
  };
}

// ---- updates ----

/** What a PUT/PATCH body asks for; `undefined` = not given. */
export interface EndpointWrite {
  connectionType?: ConnectionType;
  /** The connector instance named (already looked up in the caller's organization), or null to remove it. */
  connection?: Connection | null;
  configuration?: Record<string, unknown> | null;
}

/**
 * The workflow's new source or destination after an endpoint write.
 * - a connector instance picks the connector named like its kind (`postgres`, `webhook`,
 *   `filesystem`, a plug-in's), unless the current connector already uses that instance's kind;
 * - a connection type alone picks its default connector (source: FILESYSTEM → filesystem,
 *   DATABASE → postgres, API → upload; destination: FILESYSTEM → filesystem, DATABASE →
 *   postgres, API → webhook), keeping the current one when it is already of that type;
 * - `connection_type: ""` without a connector instance clears the endpoint (no source/destination),
 *   except one that already shows "" (inline, none): it is kept, so what a GET showed round-trips;
 * - `configuration` replaces the connector's settings; without it they are kept while the
 *   connector stays, and emptied when it changes.
 * Core then checks the connection (organization, kind, required) and the engine the settings.
 */
export function endpointChange(
  role: 'source' | 'destination',
  current: ConnectorConfig | null,
  currentConnection: Connection | null,
  write: EndpointWrite,
): ConnectorConfig | null {
  const { connectionType: type, connection, configuration } = write;
  const settingsFor = (connector: string) =>
    configuration !== undefined
      ? (configuration ?? {})
      : current && current.connector === connector
        ? current.settings
        : {};

  if (connection) {
    const ownType = connectionTypeOfKind(connection.kind);
    if (type && ownType && type !== ownType)
      throw ValidationError.field(
        'connection_type',
        `"${type}" does not match the connector instance: a ${connection.kind} connection is ${ownType}.`,
        'invalid',
      );
    const keeps =
      current !== null &&
      (current.connector === connection.kind ||
        (currentConnection !== null && currentConnection.kind === connection.kind));
    const connector = keeps ? current.connector : connection.kind;
    return { connector, connection: connection.id, settings: settingsFor(connector) };
  }

  if (type === '') {
    // What a GET showed as "" (inline, none) comes back unchanged, so a copied endpoint round-trips.
    const unchosen =
      current !== null && !current.connection && connectionTypeOf(role, current, currentConnection) === '';
    return unchosen
      ? { connector: current.connector, connection: null, settings: settingsFor(current.connector) }
      : null;
  }
  if (type !== undefined) {
    const sameType = current !== null && connectionTypeOf(role, current, currentConnection) === type;
    const connector = sameType ? current.connector : DEFAULT_CONNECTORS[role][type];
    if (!connector)
      throw ValidationError.field(
        'connection_type',
        `${type} endpoints are not supported here; use FILESYSTEM, DATABASE or API.`,
        'invalid_choice',
      );
    const keepConnection = sameType && connection === undefined ? (current.connection ?? null) : null;
    return { connector, connection: keepConnection, settings: settingsFor(connector) };
  }

  if (!current) {
    if (configuration === undefined || configuration === null) return null;
    throw ValidationError.field(
      'connection_type',
      'Choose a connection type or a connector instance first.',
      'required',
    );
  }
  return {
    connector: current.connector,
    connection: connection === null ? null : (current.connection ?? null),
    settings: settingsFor(current.connector),
  };
}
