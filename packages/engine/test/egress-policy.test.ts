import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { networkInterfaces } from 'node:os';
import { EgressConfigError, EgressDeniedError, EgressPolicy, parseEgressList, type Resolver } from '@pipewright/engine';
import { pinnedRequest } from '../src/egress/pinned-http.js';

const CONTROL = 'postgres://pipewright:pw@127.0.0.1:5432/pipewright';

/** A resolver from a fixed table (no real DNS in these tests). */
function table(entries: Record<string, string[]>, calls: string[] = []): Resolver {
  return async (host) => {
    calls.push(host);
    const found = entries[host];
    if (!found) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
    return found.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
}

const multi = (extra: Partial<Parameters<typeof EgressPolicy.fromConfig>[0]> = {}, resolver?: Resolver) =>
  EgressPolicy.fromConfig({ multiOrganization: true, controlDatabaseUrl: CONTROL, ...extra }, { resolver });

async function refusal(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(EgressDeniedError);
    expect((e as EgressDeniedError).retryable).toBe(false);
    return (e as Error).message;
  }
  throw new Error('expected a refusal');
}

describe('egress allow/deny grammar', () => {
  it('parses hosts, ports, CIDRs, IPs, bracketed IPv6 and the words', () => {
    const entries = parseEgressList(
      ' db.example.com, api.example.com:443 ,10.1.0.0/16, 192.0.2.7, 192.0.2.8:5432, [fd00::/8]:5432, [::1], fe80::1, *.corp.example, loopback, private, link-local,',
      'allow',
    );
    expect(entries).toHaveLength(12);
    expect(entries.map((e) => e.label)).toContain('[fd00::/8]:5432');
  });

  it.each([
    ['db example.com', /not a host/],
    ['db.example.com:0', /invalid port/],
    ['db.example.com:99999', /invalid port/],
    ['db.example.com:abc', /invalid port/],
    ['10.0.0.0/33', /not a valid CIDR/],
    ['300.1.1.1/8', /not a valid CIDR/],
    ['[::1', /IPv6/],
    ['[10.0.0.1]:80', /IPv6/],
    ['fe80::1:80:zz', /IPv6/],
    [':5432', /no host/],
    ['loopbck', undefined],
  ])('refuses %s with a clear message', (entry, message) => {
    if (message === undefined) {
      // A plain word is a host name: no error, it just matches that host.
      expect(parseEgressList(entry, 'deny')).toHaveLength(1);
      return;
    }
    expect(() => parseEgressList(entry, 'deny')).toThrow(EgressConfigError);
    expect(() => parseEgressList(entry, 'deny')).toThrow(message);
    expect(() => EgressPolicy.fromConfig({ multiOrganization: true, deny: entry })).toThrow(
      `egress deny list: "${entry}"`,
    );
  });
});

describe('EgressPolicy defaults', () => {
  it('refuses link-local (cloud metadata) always, loopback/private/unspecified on a multi-organization server', async () => {
    const single = EgressPolicy.fromConfig({ multiOrganization: false });
    expect(await refusal(single.check('169.254.169.254', 80))).toBe(
      'egress refused: 169.254.169.254, a link-local address (cloud metadata), refused unless allowed (PIPEWRIGHT_EGRESS_ALLOW)',
    );
    await refusal(single.check('fe80::1', 80));
    await expect(single.check('127.0.0.1', 5432)).resolves.toEqual({ address: '127.0.0.1', family: 4 });
    await expect(single.check('10.0.0.5', 5432)).resolves.toEqual({ address: '10.0.0.5', family: 4 });

    const shared = multi();
    for (const address of [
      '127.0.0.1',
      '127.9.9.9',
      '::1',
      '10.1.2.3',
      '172.20.0.1',
      '192.168.1.1',
      '100.64.0.1',
      'fd12::1',
      '0.0.0.0',
      '::',
      '::ffff:10.0.0.1',
    ])
      await refusal(shared.check(address, 443));
    expect(await refusal(shared.check('10.1.2.3', 443))).toMatch(
      /10\.1\.2\.3, a private address, refused on a multi-organization server/,
    );
    await expect(shared.check('93.184.216.34', 443)).resolves.toEqual({ address: '93.184.216.34', family: 4 });
  });

  it('checks the IPv4 address a NAT64 or IPv4-compatible IPv6 address carries', async () => {
    const single = EgressPolicy.fromConfig({ multiOrganization: false });
    for (const address of [
      '64:ff9b::a9fe:a9fe',
      '64:ff9b::169.254.169.254',
      '::169.254.169.254',
      '64:ff9b:1::a9fe:a9fe',
    ])
      await refusal(single.check(address, 80));
    const shared = multi();
    for (const address of ['::127.0.0.1', '64:ff9b::7f00:1', '64:ff9b::10.0.0.1', '0.1.2.3'])
      await refusal(shared.check(address, 443));
    await expect(shared.check('64:ff9b::5db8:d822', 443)).resolves.toEqual({
      address: '64:ff9b::5db8:d822',
      family: 6,
    });
  });

  it('permissive() refuses only link-local', async () => {
    const p = EgressPolicy.permissive();
    await expect(p.check('127.0.0.1', 5432)).resolves.toMatchObject({ address: '127.0.0.1' });
    await refusal(p.check('169.254.1.1', 80));
    expect(p.allowsLoopback()).toBe(true);
  });

  it('checks every address a name resolves to: one bad address refuses the host', async () => {
    const p = multi(
      {},
      table({ 'mixed.example': ['93.184.216.34', '10.0.0.8'], 'ok.example': ['93.184.216.34', '2606:2800:220:1::1'] }),
    );
    expect(await refusal(p.check('mixed.example', 443))).toBe(
      'egress refused: mixed.example resolves to 10.0.0.8, a private address, refused on a multi-organization server unless allowed (PIPEWRIGHT_EGRESS_ALLOW)',
    );
    await expect(p.check('ok.example', 443)).resolves.toEqual({ address: '93.184.216.34', family: 4 });
  });

  it('lets a DNS failure through as such (not a refusal)', async () => {
    const p = multi({}, table({}));
    await expect(p.check('nowhere.example', 443)).rejects.toMatchObject({ code: 'ENOTFOUND' });
  });
});

describe("the control plane's own database", () => {
  const resolver = table({
    localhost: ['127.0.0.1', '::1'],
    'db.internal': ['127.0.0.2'],
    'elsewhere.example': ['93.184.216.34'],
  });
  // Allowing loopback shows the control database is refused by rule 1, not by the loopback default.
  const policy = multi({ allow: 'loopback, private' }, resolver);

  it('is refused under every alias of this host, on its port and database', async () => {
    const aliases = ['127.0.0.1', 'localhost', '::1', '127.0.0.2', 'db.internal', '0.0.0.0', '::ffff:127.0.0.1'];
    const own = Object.values(networkInterfaces())
      .flat()
      .map((i) => i!.address.split('%')[0]!)
      .filter((a) => !a.startsWith('fe80'));
    for (const host of [...aliases, ...own]) {
      const message = await refusal(policy.check(host, 5432, { database: 'pipewright' }));
      expect(message).toMatch(/the control plane's own database$/);
    }
    expect(await refusal(policy.check('localhost', 5432, { database: 'pipewright' }))).toBe(
      "egress refused: localhost resolves to 127.0.0.1, the control plane's own database",
    );
  });

  it('allows another database on the same server, another port, or another server', async () => {
    await expect(policy.check('localhost', 5432, { database: 'warehouse' })).resolves.toMatchObject({
      address: '127.0.0.1',
    });
    await expect(policy.check('127.0.0.1', 5433, { database: 'pipewright' })).resolves.toMatchObject({
      address: '127.0.0.1',
    });
    await expect(policy.check('elsewhere.example', 5432, { database: 'pipewright' })).resolves.toMatchObject({
      address: '93.184.216.34',
    });
  });

  it('is allowed with the operator override', async () => {
    const p = multi({ allow: 'loopback', allowControlDatabase: true }, resolver);
    await expect(p.check('localhost', 5432, { database: 'pipewright' })).resolves.toMatchObject({
      address: '127.0.0.1',
    });
  });

  it('is refused on a remote control server by address, whatever the name', async () => {
    const remote = EgressPolicy.fromConfig(
      { multiOrganization: false, controlDatabaseUrl: 'postgres://u@control.example:6432/app' },
      { resolver: table({ 'control.example': ['203.0.113.9'], 'alias.example': ['203.0.113.9'] }) },
    );
    await refusal(remote.check('alias.example', 6432, { database: 'app' }));
    await refusal(remote.check('203.0.113.9', 6432, { database: 'app' }));
    await expect(remote.check('127.0.0.1', 6432, { database: 'app' })).resolves.toBeTruthy();
  });

  it('counts a unix-socket control database as this host', async () => {
    const p = EgressPolicy.fromConfig({
      multiOrganization: false,
      controlDatabaseUrl: 'postgres://u@/app?host=/var/run/postgresql',
    });
    await refusal(p.check('127.0.0.1', 5432, { database: 'app' }));
    await refusal(p.checkSocket('/var/run/postgresql', 5432, { database: 'app' }));
    await expect(p.checkSocket('/var/run/postgresql', 5432, { database: 'other' })).resolves.toBeTruthy();
  });
});

describe('allow and deny lists', () => {
  const resolver = table({ 'db.corp': ['10.0.0.5'], 'api.corp': ['10.0.0.6'], 'x.svc.corp': ['10.0.0.7'] });

  it('an allow entry lifts a default refusal, for its host, port or range only', async () => {
    const p = multi({ allow: 'db.corp:5432, 10.0.0.6, *.svc.corp' }, resolver);
    await expect(p.check('db.corp', 5432)).resolves.toMatchObject({ address: '10.0.0.5' });
    await refusal(p.check('db.corp', 5433));
    await expect(p.check('api.corp', 1)).resolves.toMatchObject({ address: '10.0.0.6' });
    await expect(p.check('x.svc.corp', 80)).resolves.toMatchObject({ address: '10.0.0.7' });
    await refusal(p.check('10.0.0.5', 5432)); // the address itself is not the allowed host name
    const ranges = multi({ allow: '10.0.0.0/24, [fd00::/8]:5432, link-local' }, resolver);
    await expect(ranges.check('db.corp', 80)).resolves.toBeTruthy();
    await expect(ranges.check('fd00::1', 5432)).resolves.toMatchObject({ address: 'fd00::1', family: 6 });
    await refusal(ranges.check('fd00::1', 5433));
    await expect(ranges.check('169.254.169.254', 80)).resolves.toBeTruthy();
  });

  it('a deny entry beats an allow entry, and refuses what is otherwise allowed', async () => {
    const p = multi({ allow: '10.0.0.0/8', deny: 'api.corp, 10.0.0.7/32' }, resolver);
    await expect(p.check('db.corp', 5432)).resolves.toBeTruthy();
    expect(await refusal(p.check('api.corp', 443))).toBe(
      'egress refused: api.corp resolves to 10.0.0.6, denied by the egress deny list ("api.corp")',
    );
    await refusal(p.check('x.svc.corp', 443));
    const single = EgressPolicy.fromConfig({ multiOrganization: false, deny: '93.184.216.0/24, loopback' });
    await refusal(single.check('93.184.216.34', 443));
    await refusal(single.check('127.0.0.1', 5432));
    expect(single.allowsLoopback()).toBe(false);
  });
});

describe('DNS pinning', () => {
  let server: Server;
  let port: number;
  const hits: string[] = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      hits.push(`${req.method} ${req.url} ${req.headers.host} ${req.headers.authorization ?? '-'}`);
      if (req.url === '/hop') {
        res.writeHead(307, { location: '/final' });
        return res.end();
      }
      if (req.url === '/metadata') {
        res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' });
        return res.end();
      }
      if (req.url === '/elsewhere') {
        res.writeHead(302, { location: `http://other.test:${port}/final` });
        return res.end();
      }
      if (req.url === '/loop') {
        res.writeHead(302, { location: '/loop' });
        return res.end();
      }
      req.resume();
      res.end('ok');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise((r) => server.close(r)));
  beforeEach(() => (hits.length = 0));

  it('connects to the address that was checked: a second DNS answer is never asked for', async () => {
    const calls: string[] = [];
    let answers = 0;
    // A rebinding DNS server: a harmless address first, the metadata service after.
    const rebinding: Resolver = async (host) => {
      calls.push(host);
      return [{ address: answers++ === 0 ? '127.0.0.1' : '169.254.169.254', family: 4 }];
    };
    const p = EgressPolicy.permissive({ resolver: rebinding });
    const res = await pinnedRequest(p, `http://hook.test:${port}/in`, {
      method: 'POST',
      headers: {},
      body: '{}',
      signal: AbortSignal.timeout(5_000),
    });
    expect(res.status).toBe(200);
    expect(calls).toEqual(['hook.test']);
    expect(hits).toEqual([`POST /in hook.test:${port} -`]);
  });

  it('follows redirects itself, checking each hop; drops credentials on another origin', async () => {
    const p = EgressPolicy.permissive({ resolver: table({ 'hook.test': ['127.0.0.1'], 'other.test': ['127.0.0.1'] }) });
    const init = {
      method: 'POST',
      headers: { authorization: 'Bearer t' },
      sensitiveHeaders: ['authorization'],
      body: '{}',
      signal: AbortSignal.timeout(5_000),
    };
    expect(await pinnedRequest(p, `http://hook.test:${port}/hop`, init)).toMatchObject({
      status: 200,
      url: `http://hook.test:${port}/final`,
    });
    expect(hits).toEqual([`POST /hop hook.test:${port} Bearer t`, `POST /final hook.test:${port} Bearer t`]);
    hits.length = 0;
    await pinnedRequest(p, `http://hook.test:${port}/elsewhere`, init);
    expect(hits).toEqual([`POST /elsewhere hook.test:${port} Bearer t`, `GET /final other.test:${port} -`]);
    expect(await refusal(pinnedRequest(p, `http://hook.test:${port}/metadata`, init))).toMatch(
      /^egress refused: 169\.254\.169\.254, a link-local address/,
    );
    await expect(pinnedRequest(p, `http://hook.test:${port}/loop`, init)).rejects.toThrow(
      'too many redirects (more than 5)',
    );
  });
});
