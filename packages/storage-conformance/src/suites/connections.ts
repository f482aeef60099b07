import { beforeAll, describe, expect, it } from '@jest/globals';
import {
  CONNECTION_SORTS,
  Connection,
  MAX_SEQ,
  type ConnectionField,
  type ConnectionQuery,
  type ConnectionSort,
  type Filter,
  type SortKey,
} from '@pipewright/core';
import { at, uuid } from '../fixtures.js';
import { expectConflict, expectedOrder, idSet, nameSet } from '../expectations.js';
import { useStorage, type StorageFactory } from '../harness.js';

const f = (field: ConnectionField, op: Filter['op'], value?: Filter['value']): Filter<ConnectionField> =>
  value === undefined ? { field, op } : { field, op, value };

class Boom extends Error {}

/** Connections: lookups, name uniqueness per org, sealed secrets, list queries, and the workflows naming them. */
export function connectionSuite(factory: StorageFactory): void {
  describe('connections', () => {
    const ctx = useStorage(factory);

    async function world() {
      const org = await ctx.fx.org();
      const admin = await ctx.fx.memberUser(org, { role: 'admin' });
      return { org, admin };
    }

    it('inserts a connection and finds it by id, seq and name, with its settings and sealed secrets exactly', async () => {
      const { org, admin } = await world();
      const other = await world();
      const settings = {
        host: 'db.example.test',
        port: 5432,
        ssl: 'verify-full',
        options: {
          application_name: 'pipewright',
          search_path: ['a', 'b'],
          nested: { deep: true, none: null, ratio: 2.5 },
        },
        'ü-key': 'välue',
      };
      const sealedSecrets = {
        password: 'v1.nonce.ciphertext+/=',
        token: 'v1.other.sealed',
        headers: 'v1.{"json":"inside"}',
      };
      const connection = await ctx.fx.connection(org, admin, {
        name: 'warehouse',
        description: 'The reporting database',
        kind: 'postgres',
        settings,
        sealedSecrets,
        now: at(1, 123),
      });
      for (const found of [
        await ctx.storage.connections.findById(connection.id),
        await ctx.storage.connections.findBySeq(connection.seq),
        await ctx.storage.connections.findByName(org.id, 'warehouse'),
      ]) {
        expect(found).toBeInstanceOf(Connection);
        expect(found!.toState()).toEqual(connection.toState());
        expect(found!.settings).toEqual(settings);
        expect({ ...found!.sealedSecrets }).toEqual(sealedSecrets);
        expect(found!.secretFields).toEqual(['headers', 'password', 'token']);
      }
      const locked = await ctx.storage.transaction((tx) => tx.connections.findByIdForUpdate(connection.id));
      expect(locked!.toState()).toEqual(connection.toState());
      expect(await ctx.storage.connections.findByName(other.org.id, 'warehouse')).toBeNull();
      expect(await ctx.storage.connections.findByName(org.id, 'WAREHOUSE')).toBeNull();
      expect(await ctx.storage.connections.findById(uuid())).toBeNull();
      expect(await ctx.storage.connections.findById('not-a-uuid')).toBeNull();
      expect(await ctx.storage.connections.findByIdForUpdate(uuid())).toBeNull();
      expect(await ctx.storage.connections.findBySeq(MAX_SEQ)).toBeNull();
    });

    it('keeps empty settings and no secrets as empty objects', async () => {
      const { org, admin } = await world();
      const connection = await ctx.fx.connection(org, admin, {
        kind: 'filesystem',
        settings: {},
        sealedSecrets: {},
        description: null,
      });
      const found = (await ctx.storage.connections.findById(connection.id))!;
      expect(found.toState()).toEqual(connection.toState());
      expect(found.settings).toEqual({});
      expect(found.secretFields).toEqual([]);
      expect(found.description).toBeNull();
    });

    it('reserves distinct, increasing int ids', async () => {
      const a = await ctx.storage.connections.nextSeq();
      const b = await ctx.storage.connections.nextSeq();
      expect(Number.isInteger(a)).toBe(true);
      expect(a).toBeGreaterThanOrEqual(1);
      expect(b).toBeGreaterThan(a);
      expect(b).toBeLessThanOrEqual(MAX_SEQ);
    });

    it('rejects a name already used in the organization, on insert and on update; other orgs may reuse it', async () => {
      const { org, admin } = await world();
      await ctx.fx.connection(org, admin, { name: 'taken' });
      const clash = await ctx.fx.buildConnection(org, admin, { name: 'taken' });
      await expectConflict(ctx.storage.connections.insert(clash), 'name');
      expect(await ctx.storage.connections.findById(clash.id)).toBeNull();
      const free = await ctx.fx.connection(org, admin, { name: 'free' });
      free.rename('taken', admin.id, at(1));
      await expectConflict(ctx.storage.connections.update(free), 'name');
      expect((await ctx.storage.connections.findById(free.id))!.name).toBe('free');
      const other = await world();
      const twin = await ctx.fx.connection(other.org, other.admin, { name: 'taken' });
      expect((await ctx.storage.connections.findByName(other.org.id, 'taken'))!.id).toBe(twin.id);
    });

    it('returns copies and saves changes on update (rename, description, settings, rotated secrets)', async () => {
      const { org, admin } = await world();
      const editor = await ctx.fx.memberUser(org, { role: 'admin' });
      const connection = await ctx.fx.connection(org, admin, {
        name: 'before',
        sealedSecrets: { password: 'old', token: 'kept' },
      });
      const loaded = (await ctx.storage.connections.findById(connection.id))!;
      loaded.rename('after', editor.id, at(2));
      loaded.describe('now described', editor.id, at(2));
      loaded.reconfigure(
        { host: 'other.example.test', port: 6543, extra: { list: [1, 2, 3] } },
        { password: 'new', token: null, headers: 'sealed-headers' },
        editor.id,
        at(3),
      );
      expect((await ctx.storage.connections.findById(connection.id))!.name).toBe('before');
      await ctx.storage.connections.update(loaded);
      const saved = (await ctx.storage.connections.findById(connection.id))!;
      expect(saved.toState()).toEqual(loaded.toState());
      expect({ ...saved.sealedSecrets }).toEqual({ password: 'new', headers: 'sealed-headers' });
      expect(saved.settings).toEqual({ host: 'other.example.test', port: 6543, extra: { list: [1, 2, 3] } });
      expect(saved.modifiedBy).toBe(editor.id);
      expect(saved.createdBy).toBe(admin.id);
      expect(await ctx.storage.connections.findByName(org.id, 'before')).toBeNull();
      expect((await ctx.storage.connections.findByName(org.id, 'after'))!.id).toBe(connection.id);
      expect((await ctx.storage.connections.findBySeq(connection.seq))!.name).toBe('after');
    });

    it('deletes a connection and says whether it existed', async () => {
      const { org, admin } = await world();
      const doomed = await ctx.fx.connection(org, admin);
      const kept = await ctx.fx.connection(org, admin);
      expect(await ctx.storage.connections.delete(doomed.id)).toBe(true);
      expect(await ctx.storage.connections.findById(doomed.id)).toBeNull();
      expect(await ctx.storage.connections.findBySeq(doomed.seq)).toBeNull();
      expect(await ctx.storage.connections.findByName(org.id, doomed.name)).toBeNull();
      expect(await ctx.storage.connections.delete(doomed.id)).toBe(false);
      expect(await ctx.storage.connections.delete(uuid())).toBe(false);
      expect(await ctx.storage.connections.delete('not-a-uuid')).toBe(false);
      expect(await ctx.storage.connections.findById(kept.id)).not.toBeNull();
      // The name is free again.
      await ctx.fx.connection(org, admin, { name: doomed.name });
    });

    it('rolls back connection writes when the transaction fails, and commits them otherwise', async () => {
      const { org, admin } = await world();
      const existing = await ctx.fx.connection(org, admin, { name: 'existing' });
      const fresh = await ctx.fx.buildConnection(org, admin, { name: 'fresh' });
      const boom = new Boom('boom');
      const outcome = ctx.storage.transaction(async (tx) => {
        await tx.connections.insert(fresh);
        expect((await tx.connections.findByName(org.id, 'fresh'))!.id).toBe(fresh.id);
        const locked = (await tx.connections.findByIdForUpdate(existing.id))!;
        locked.rename('renamed-in-rollback', admin.id, at(1));
        await tx.connections.update(locked);
        throw boom;
      });
      await expect(outcome).rejects.toBe(boom);
      expect(await ctx.storage.connections.findById(fresh.id)).toBeNull();
      expect(await ctx.storage.connections.findByName(org.id, 'fresh')).toBeNull();
      expect((await ctx.storage.connections.findById(existing.id))!.name).toBe('existing');

      const deleted = ctx.storage.transaction(async (tx) => {
        expect(await tx.connections.delete(existing.id)).toBe(true);
        throw boom;
      });
      await expect(deleted).rejects.toBe(boom);
      expect(await ctx.storage.connections.findById(existing.id)).not.toBeNull();

      await ctx.storage.transaction(async (tx) => {
        await tx.connections.insert(fresh);
        const locked = (await tx.connections.findByIdForUpdate(existing.id))!;
        locked.rename('renamed', admin.id, at(2));
        await tx.connections.update(locked);
      });
      expect((await ctx.storage.connections.findById(fresh.id))!.toState()).toEqual(fresh.toState());
      expect((await ctx.storage.connections.findById(existing.id))!.name).toBe('renamed');
    });

    describe('list', () => {
      let orgId: string;
      let otherOrgId: string;
      let all: Connection[];

      /**
       * | name     | kind       | created | updated |
       * | alpha    | postgres   | 1m      | 1m      |
       * | beta     | webhook    | 2m      | 9m      |
       * | gamma    | postgres   | 2m      | 2m      |
       * | delta_x  | filesystem | 3m+3ms  | 3m+3ms  |
       * Another org has "alpha" and "omega".
       */
      beforeAll(async () => {
        const { org, admin } = await world();
        orgId = org.id;
        const alpha = await ctx.fx.connection(org, admin, { name: 'alpha', kind: 'postgres', now: at(1) });
        const beta = await ctx.fx.connection(org, admin, {
          name: 'beta',
          kind: 'webhook',
          settings: { url: 'https://example.test' },
          now: at(2),
        });
        beta.describe('changed', admin.id, at(9));
        await ctx.storage.connections.update(beta);
        const gamma = await ctx.fx.connection(org, admin, { name: 'gamma', kind: 'postgres', now: at(2) });
        const delta = await ctx.fx.connection(org, admin, {
          name: 'delta_x',
          kind: 'filesystem',
          settings: { path: 'in' },
          sealedSecrets: {},
          now: at(3, 3),
        });
        all = [alpha, beta, gamma, delta];
        const other = await world();
        otherOrgId = other.org.id;
        await ctx.fx.connection(other.org, other.admin, { name: 'alpha', kind: 'postgres', now: at(1) });
        await ctx.fx.connection(other.org, other.admin, { name: 'omega', kind: 'webhook', now: at(1) });
      });

      const list = (q: Partial<ConnectionQuery>, org = orgId) =>
        ctx.storage.connections.list(org, { filters: [], logical: 'and', sort: [], page: { page: 1, size: 50 }, ...q });
      const names = async (...filters: Filter<ConnectionField>[]) => {
        const page = await list({ filters });
        expect(page.total).toBe(page.items.length);
        return nameSet(page.items);
      };

      it("lists only the organization's own connections", async () => {
        const page = await list({});
        expect(page.total).toBe(4);
        expect(idSet(page.items)).toEqual(idSet(all));
        expect(page.items.every((c) => c.orgId === orgId)).toBe(true);
        const other = await list({}, otherOrgId);
        expect([other.total, nameSet(other.items)]).toEqual([2, ['alpha', 'omega']]);
        expect(await list({}, uuid())).toEqual({ items: [], total: 0 });
        expect(await list({}, 'not-a-uuid')).toEqual({ items: [], total: 0 });
      });

      it('returns connections with their state', async () => {
        const page = await list({ filters: [f('name', 'equals', 'beta')] });
        expect(page.items.map((c) => c.toState())).toEqual([all[1]!.toState()]);
      });

      it('filters every field type', async () => {
        expect(await names()).toEqual(['alpha', 'beta', 'delta_x', 'gamma']);
        expect(await names(f('id', 'equals', all[2]!.id))).toEqual(['gamma']);
        expect(await names(f('id', 'equals', 'gamma'))).toEqual([]);
        expect(await names(f('id', 'notequals', 'not-a-uuid'))).toEqual(['alpha', 'beta', 'delta_x', 'gamma']);
        expect(await names(f('seq', 'equals', all[1]!.seq))).toEqual(['beta']);
        expect(await names(f('seq', 'gt', all[1]!.seq))).toEqual(['delta_x', 'gamma']);
        expect(await names(f('seq', 'oneof', [all[0]!.seq, all[3]!.seq]))).toEqual(['alpha', 'delta_x']);
        expect(await names(f('name', 'equals', 'beta'))).toEqual(['beta']);
        expect(await names(f('name', 'equals', 'omega'))).toEqual([]);
        expect(await names(f('name', 'contains', 'A_'))).toEqual(['delta_x']);
        expect(await names(f('name', 'startswith', 'G'))).toEqual(['gamma']);
        expect(await names(f('name', 'endswith', 'ta'))).toEqual(['beta']);
        expect(await names(f('name', 'notcontains', 'l'))).toEqual(['beta', 'gamma']);
        expect(await names(f('name', 'oneof', ['alpha', 'omega']))).toEqual(['alpha']);
        expect(await names(f('kind', 'equals', 'postgres'))).toEqual(['alpha', 'gamma']);
        expect(await names(f('kind', 'notoneof', ['postgres', 'filesystem']))).toEqual(['beta']);
        expect(await names(f('kind', 'oneof', ['webhook', 'filesystem']))).toEqual(['beta', 'delta_x']);
        expect(await names(f('search', 'contains', 'LPH'))).toEqual(['alpha']);
        expect(await names(f('search', 'contains', '_'))).toEqual(['delta_x']);
        expect(await names(f('search', 'contains', 'ta'))).toEqual(['beta', 'delta_x']);
        expect(await names(f('createdAt', 'equals', at(2)))).toEqual(['beta', 'gamma']);
        expect(await names(f('createdAt', 'gte', at(2)))).toEqual(['beta', 'delta_x', 'gamma']);
        expect(await names(f('updatedAt', 'gt', at(3, 3)))).toEqual(['beta']);
        expect(await names(f('updatedAt', 'in', [at(1), at(2)]))).toEqual(['alpha', 'gamma']);
        expect(
          nameSet(
            (await list({ logical: 'or', filters: [f('kind', 'equals', 'webhook'), f('name', 'equals', 'alpha')] }))
              .items,
          ),
        ).toEqual(['alpha', 'beta']);
        expect(
          nameSet((await list({ logical: 'or', filters: [], required: [f('kind', 'equals', 'postgres')] })).items),
        ).toEqual(['alpha', 'gamma']);
      });

      for (const field of CONNECTION_SORTS)
        for (const direction of ['asc', 'desc'] as const)
          it(`sorts by ${field} ${direction}, then id`, async () => {
            const sort: SortKey<ConnectionSort>[] = [{ field, direction }];
            const want = expectedOrder(
              all.map((c) => c.toState()),
              sort,
              (c, k) => c[k as keyof typeof c] as string | number | Date,
            );
            expect((await list({ sort })).items.map((c) => c.id)).toEqual(want);
          });

      it('pages with the exact total', async () => {
        const sort: SortKey<ConnectionSort>[] = [{ field: 'name', direction: 'asc' }];
        expect(await list({ sort, page: { page: 1, size: 3 } })).toMatchObject({ total: 4 });
        expect((await list({ sort, page: { page: 1, size: 3 } })).items.map((c) => c.name)).toEqual([
          'alpha',
          'beta',
          'delta_x',
        ]);
        const p2 = await list({ sort, page: { page: 2, size: 3 } });
        expect([p2.total, p2.items.map((c) => c.name)]).toEqual([4, ['gamma']]);
        expect(await list({ sort, page: { page: 3, size: 3 } })).toEqual({ items: [], total: 4 });
        const filtered = await list({ sort, filters: [f('kind', 'equals', 'postgres')], page: { page: 1, size: 1 } });
        expect([filtered.total, filtered.items.map((c) => c.name)]).toEqual([2, ['alpha']]);
      });
    });

    describe('workflows naming connections', () => {
      it('round-trips a connector config naming a connection, on insert and on update', async () => {
        const { org, admin } = await world();
        const db = await ctx.fx.connection(org, admin, { kind: 'postgres' });
        const hook = await ctx.fx.connection(org, admin, { kind: 'webhook' });
        const wf = await ctx.fx.workflow(org, admin, {
          definition: {
            source: { connector: 'postgres', connection: db.id, settings: { table: 'orders', batch: { size: 100 } } },
            destination: { connector: 'webhook', connection: hook.id, settings: {} },
          },
        });
        expect(wf.definition.source!.connection).toBe(db.id);
        const found = (await ctx.storage.workflows.findById(wf.id))!;
        expect(found.toState()).toEqual(wf.toState());
        expect(found.definition.source).toEqual({
          connector: 'postgres',
          connection: db.id,
          settings: { table: 'orders', batch: { size: 100 } },
        });
        expect(found.definition.destination).toEqual({ connector: 'webhook', connection: hook.id, settings: {} });

        found.redefine(
          {
            source: { connector: 'postgres', connection: hook.id, settings: { query: 'select 1' } },
            destination: { connector: 'none', settings: {} },
          },
          admin.id,
          at(5),
        );
        await ctx.storage.workflows.update(found);
        const saved = (await ctx.storage.workflows.findById(wf.id))!;
        expect(saved.toState()).toEqual(found.toState());
        expect(saved.definition.source!.connection).toBe(hook.id);
        expect(saved.definition.destination!.connection ?? null).toBeNull();
      });

      it('lists the workflows of the organization naming a connection on either side', async () => {
        const { org, admin } = await world();
        const other = await world();
        const conn = await ctx.fx.connection(org, admin);
        const unused = await ctx.fx.connection(org, admin);
        const otherConn = await ctx.fx.connection(other.org, other.admin);
        const bySource = await ctx.fx.workflow(org, admin, {
          definition: { source: { connector: 'postgres', connection: conn.id, settings: { table: 't' } } },
          now: at(2),
        });
        const byDestination = await ctx.fx.workflow(org, admin, {
          definition: {
            source: { connector: 'inline', settings: {} },
            destination: { connector: 'postgres', connection: conn.id, settings: { table: 'out' } },
          },
          now: at(1),
        });
        const byBoth = await ctx.fx.workflow(org, admin, {
          definition: {
            source: { connector: 'postgres', connection: conn.id, settings: { table: 'a' } },
            destination: { connector: 'postgres', connection: conn.id, settings: { table: 'b' } },
          },
          now: at(3),
        });
        await ctx.fx.workflow(org, admin, {
          definition: { source: { connector: 'postgres', connection: otherConn.id, settings: {} } },
        });
        await ctx.fx.workflow(org, admin, {
          definition: { source: { connector: 'inline', settings: { connection: conn.id } } },
        });
        // Another org's workflow naming the same id is never listed for this org.
        await ctx.fx.workflow(other.org, other.admin, {
          definition: { source: { connector: 'postgres', connection: conn.id, settings: {} } },
        });

        const found = await ctx.storage.workflows.listByConnection(org.id, conn.id);
        expect(idSet(found)).toEqual(idSet([bySource, byDestination, byBoth]));
        expect(found.find((w) => w.id === bySource.id)!.toState()).toEqual(bySource.toState());
        expect(await ctx.storage.workflows.listByConnection(org.id, unused.id)).toEqual([]);
        expect(await ctx.storage.workflows.listByConnection(other.org.id, otherConn.id)).toEqual([]);
        expect(idSet(await ctx.storage.workflows.listByConnection(other.org.id, conn.id))).toHaveLength(1);
        expect(await ctx.storage.workflows.listByConnection(uuid(), conn.id)).toEqual([]);

        // Pointing it elsewhere drops it from the list.
        bySource.redefine({ source: { connector: 'postgres', connection: unused.id, settings: {} } }, admin.id, at(4));
        await ctx.storage.workflows.update(bySource);
        expect(idSet(await ctx.storage.workflows.listByConnection(org.id, conn.id))).toEqual(
          idSet([byDestination, byBoth]),
        );
        expect(idSet(await ctx.storage.workflows.listByConnection(org.id, unused.id))).toEqual([bySource.id]);
      });

      it('lists workflows of every organization with inline credentials, oldest first, skipping sides that name a connection', async () => {
        const { org, admin } = await world();
        const other = await world();
        const conn = await ctx.fx.connection(org, admin);
        const inlineSource = await ctx.fx.workflow(org, admin, {
          definition: {
            source: { connector: 'postgres', settings: { connectionString: 'postgres://u:p@h/db', table: 't' } },
          },
          now: at(3),
        });
        const inlineDestination = await ctx.fx.workflow(other.org, other.admin, {
          definition: {
            source: { connector: 'inline', settings: {} },
            destination: {
              connector: 'webhook',
              settings: { url: 'https://example.test/hook', headers: { 'X-Key': 'k' } },
            },
          },
          now: at(1),
        });
        // Source names a connection but the destination still has an inline URL: listed.
        const mixed = await ctx.fx.workflow(org, admin, {
          definition: {
            source: {
              connector: 'postgres',
              connection: conn.id,
              settings: { connectionString: 'leftover', table: 't' },
            },
            destination: { connector: 'webhook', settings: { url: 'https://example.test/other' } },
          },
          now: at(2),
        });
        // Keys on sides that name a connection, nested keys, other keys, and no settings: not listed.
        const skipped = [
          await ctx.fx.workflow(org, admin, {
            definition: {
              source: { connector: 'postgres', connection: conn.id, settings: { connectionString: 'x', table: 't' } },
            },
            now: at(0),
          }),
          await ctx.fx.workflow(org, admin, {
            definition: {
              source: { connector: 'postgres', settings: { options: { connectionString: 'nested' }, table: 't' } },
            },
            now: at(0),
          }),
          await ctx.fx.workflow(other.org, other.admin, {
            definition: {
              source: { connector: 'filesystem', settings: { path: 'in', urls: ['https://a'] } },
              destination: { connector: 'none', settings: {} },
            },
            now: at(0),
          }),
          await ctx.fx.workflow(other.org, other.admin, { definition: {}, now: at(0) }),
        ];

        const mine = new Set([inlineSource, inlineDestination, mixed, ...skipped].map((w) => w.id));
        const found = (await ctx.storage.workflows.listWithSettingKeys(['connectionString', 'url', 'headers'])).filter(
          (w) => mine.has(w.id),
        );
        expect(found.map((w) => w.id)).toEqual([inlineDestination.id, mixed.id, inlineSource.id]);
        expect(found[0]!.toState()).toEqual(inlineDestination.toState());

        const onlyUrl = (await ctx.storage.workflows.listWithSettingKeys(['url'])).filter((w) => mine.has(w.id));
        expect(onlyUrl.map((w) => w.id)).toEqual([inlineDestination.id, mixed.id]);
        expect(
          (await ctx.storage.workflows.listWithSettingKeys(['no-such-key'])).filter((w) => mine.has(w.id)),
        ).toEqual([]);
        expect(await ctx.storage.workflows.listWithSettingKeys([])).toEqual([]);

        // Once converted (the side names a connection, the keys are gone), it is no longer listed.
        inlineSource.redefine(
          { source: { connector: 'postgres', connection: conn.id, settings: { table: 't' } } },
          admin.id,
          at(5),
        );
        await ctx.storage.workflows.update(inlineSource);
        const after = (await ctx.storage.workflows.listWithSettingKeys(['connectionString', 'url', 'headers'])).filter(
          (w) => mine.has(w.id),
        );
        expect(after.map((w) => w.id)).toEqual([inlineDestination.id, mixed.id]);
      });
    });
  });
}
