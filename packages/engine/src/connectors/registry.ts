import type {
  ConnectionKindDefinition,
  ConnectorConnection,
  DestinationConnector,
  JsonSchema,
  SourceConnector,
  TransformationHandler,
} from './types.js';

/** What clients may learn about a connector (the Unstract dialect serves these schemas). */
export interface ConnectorInfo {
  name: string;
  description: string;
  settingsSchema: JsonSchema;
  /** The connection kind it takes, if any. */
  connection?: ConnectorConnection;
}

/** What clients may learn about a connection kind (its settings' schema, secrets included). */
export interface ConnectionKindInfo {
  name: string;
  description: string;
  settingsSchema: JsonSchema;
  secretFields: string[];
}

const NAME_RE = /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/;

function checkName(kind: string, name: string): void {
  if (!NAME_RE.test(name)) throw new Error(`Invalid ${kind} name "${name}": use letters, digits, "_", "-" and ".".`);
}

/**
 * The extension point for embedders: source and destination connectors, each with a
 * JSON Schema of its settings, and named transformation handlers. Registering a name
 * again replaces the earlier entry (an embedder may override a built-in).
 */
export class ConnectorRegistry {
  private readonly sourceMap = new Map<string, SourceConnector>();
  private readonly destinationMap = new Map<string, DestinationConnector>();
  private readonly handlerMap = new Map<string, TransformationHandler>();
  private readonly kindMap = new Map<string, ConnectionKindDefinition>();

  registerSource(connector: SourceConnector): this {
    checkName('source connector', connector.name);
    this.sourceMap.set(connector.name, connector);
    return this;
  }

  registerDestination(connector: DestinationConnector): this {
    checkName('destination connector', connector.name);
    this.destinationMap.set(connector.name, connector);
    return this;
  }

  /** A handler usable as `stages.transformation: {handler: name}`. */
  registerHandler(name: string, handler: TransformationHandler): this {
    checkName('handler', name);
    this.handlerMap.set(name, handler);
    return this;
  }

  /** A kind of connection connectors may declare (`connection: {kind, required}`). */
  registerConnectionKind(definition: ConnectionKindDefinition): this {
    checkName('connection kind', definition.name);
    this.kindMap.set(definition.name, definition);
    return this;
  }

  connectionKind(name: string): ConnectionKindDefinition | undefined {
    return this.kindMap.get(name);
  }

  connectionKinds(): ConnectionKindInfo[] {
    return [...this.kindMap.values()].map((k) => ({
      name: k.name,
      description: k.description,
      settingsSchema: structuredClone(k.settingsSchema),
      secretFields: [...k.secretFields],
    }));
  }

  source(name: string): SourceConnector | undefined {
    return this.sourceMap.get(name);
  }

  destination(name: string): DestinationConnector | undefined {
    return this.destinationMap.get(name);
  }

  handler(name: string): TransformationHandler | undefined {
    return this.handlerMap.get(name);
  }

  sources(): ConnectorInfo[] {
    return [...this.sourceMap.values()].map(info);
  }

  destinations(): ConnectorInfo[] {
    return [...this.destinationMap.values()].map(info);
  }

  handlers(): string[] {
    return [...this.handlerMap.keys()];
  }
}

function info(c: SourceConnector | DestinationConnector): ConnectorInfo {
  return {
    name: c.name,
    description: c.description,
    settingsSchema: structuredClone(c.settingsSchema),
    ...(c.connection ? { connection: { ...c.connection } } : {}),
  };
}
