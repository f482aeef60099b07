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
  type ScheduleFireLedger,
  type Scheduler,
  type SecretHasher,
  type SecretSealer,
  type Storage,
  type TokenSigner,
  type WorkerDirectory,
} from '@pipewright/core';
import type { Security } from '@pipewright/security';
import { ContainerModule } from 'inversify';
import type { ServerConfig } from './config.js';
import { TYPES } from './container.js';

/**
 * The core: its settings (the rest keep the core's defaults) from the configuration, and `Core` built from whatever adapters are
 * bound to its ports when it is first resolved (so a port rebound before then is the one used).
 */
export const coreModule = new ContainerModule(({ bind }) => {
  bind<Partial<CoreSettings>>(TYPES.CoreSettings).toDynamicValue((ctx) => {
    const config = ctx.get<ServerConfig>(TYPES.Config);
    return {
      minScheduleIntervalSeconds: config.minScheduleIntervalSeconds,
      tokenTtlSeconds: config.tokenTtlSeconds,
      serverOrgSlug: config.defaultOrg,
      directMembership: config.directMembership,
    };
  });
  bind<Core>(TYPES.Core).toDynamicValue(async (ctx) =>
    createCore({
      storage: await ctx.getAsync<Storage>(TYPES.Storage),
      clock: ctx.get<Clock>(TYPES.Clock),
      ids: ctx.get<IdGenerator>(TYPES.IdGenerator),
      hasher: ctx.get<SecretHasher>(TYPES.SecretHasher),
      sealer: ctx.get<SecretSealer>(TYPES.SecretSealer),
      tokens: ctx.get<TokenSigner>(TYPES.TokenSigner),
      passwords: ctx.get<Security>(TYPES.Security).passwords,
      scheduler: await ctx.getAsync<Scheduler>(TYPES.Scheduler),
      executor: await ctx.getAsync<Executor>(TYPES.Executor),
      events: ctx.get<EventSink>(TYPES.EventSink),
      definitions: ctx.get<DefinitionValidator>(TYPES.DefinitionValidator),
      connectionKinds: ctx.get<ConnectionKinds>(TYPES.ConnectionKinds),
      fireLedger: await ctx.getAsync<ScheduleFireLedger | null>(TYPES.ScheduleFireLedger),
      workers: await ctx.getAsync<WorkerDirectory | null>(TYPES.WorkerDirectory),
      settings: ctx.get<Partial<CoreSettings>>(TYPES.CoreSettings),
    }),
  );
});
