import 'reflect-metadata';
import {
  createCore,
  type Clock,
  type ConnectionKinds,
  type Core,
  type CoreSettings,
  type DefinitionValidator,
  type EventSink,
  type Executor,
  type IdGenerator,
  type Scheduler,
  type SecretHasher,
  type SecretSealer,
  type Storage,
  type TokenSigner,
} from '@pipewright/core';
import { Container } from 'inversify';

/** Service identifiers: one per port, plus the assembled core. */
export const TYPES = {
  Storage: Symbol.for('Storage'),
  Clock: Symbol.for('Clock'),
  IdGenerator: Symbol.for('IdGenerator'),
  SecretHasher: Symbol.for('SecretHasher'),
  SecretSealer: Symbol.for('SecretSealer'),
  TokenSigner: Symbol.for('TokenSigner'),
  Scheduler: Symbol.for('Scheduler'),
  Executor: Symbol.for('Executor'),
  EventSink: Symbol.for('EventSink'),
  DefinitionValidator: Symbol.for('DefinitionValidator'),
  ConnectionKinds: Symbol.for('ConnectionKinds'),
  CoreSettings: Symbol.for('CoreSettings'),
  Core: Symbol.for('Core'),
} as const;

export interface PortBindings {
  storage: Storage;
  clock: Clock;
  ids: IdGenerator;
  hasher: SecretHasher;
  sealer: SecretSealer;
  tokens: TokenSigner;
  scheduler: Scheduler;
  executor: Executor;
  events: EventSink;
  definitions: DefinitionValidator;
  /** What connection kinds exist and hold, how to reach and test them (the engine, under the egress policy). */
  connectionKinds: ConnectionKinds;
  settings: CoreSettings;
}

/**
 * The composition root: every port bound to its adapter in this one place; the core's
 * services are built from whatever is bound.
 */
export function buildContainer(ports: PortBindings): Container {
  const c = new Container();
  c.bind<Storage>(TYPES.Storage).toConstantValue(ports.storage);
  c.bind<Clock>(TYPES.Clock).toConstantValue(ports.clock);
  c.bind<IdGenerator>(TYPES.IdGenerator).toConstantValue(ports.ids);
  c.bind<SecretHasher>(TYPES.SecretHasher).toConstantValue(ports.hasher);
  c.bind<SecretSealer>(TYPES.SecretSealer).toConstantValue(ports.sealer);
  c.bind<TokenSigner>(TYPES.TokenSigner).toConstantValue(ports.tokens);
  c.bind<Scheduler>(TYPES.Scheduler).toConstantValue(ports.scheduler);
  c.bind<Executor>(TYPES.Executor).toConstantValue(ports.executor);
  c.bind<EventSink>(TYPES.EventSink).toConstantValue(ports.events);
  c.bind<DefinitionValidator>(TYPES.DefinitionValidator).toConstantValue(ports.definitions);
  c.bind<ConnectionKinds>(TYPES.ConnectionKinds).toConstantValue(ports.connectionKinds);
  c.bind<CoreSettings>(TYPES.CoreSettings).toConstantValue(ports.settings);
  c.bind<Core>(TYPES.Core)
    .toDynamicValue((ctx) =>
      createCore({
        storage: ctx.get<Storage>(TYPES.Storage),
        clock: ctx.get<Clock>(TYPES.Clock),
        ids: ctx.get<IdGenerator>(TYPES.IdGenerator),
        hasher: ctx.get<SecretHasher>(TYPES.SecretHasher),
        sealer: ctx.get<SecretSealer>(TYPES.SecretSealer),
        tokens: ctx.get<TokenSigner>(TYPES.TokenSigner),
        scheduler: ctx.get<Scheduler>(TYPES.Scheduler),
        executor: ctx.get<Executor>(TYPES.Executor),
        events: ctx.get<EventSink>(TYPES.EventSink),
        definitions: ctx.get<DefinitionValidator>(TYPES.DefinitionValidator),
        connectionKinds: ctx.get<ConnectionKinds>(TYPES.ConnectionKinds),
        settings: ctx.get<CoreSettings>(TYPES.CoreSettings),
      }),
    )
    .inSingletonScope();
  return c;
}
