import { lookup } from 'node:dns/promises';
import { BlockList, isIP, isIPv4, isIPv6 } from 'node:net';
import { networkInterfaces } from 'node:os';
import { parse as parseConnectionString } from 'pg-connection-string';

/**
 * A connector target the egress policy refuses (the control plane's own database, a denied
 * address, a private or link-local one). Never retryable: the same target is refused again.
 */
export class EgressDeniedError extends Error {
  readonly retryable = false;
  readonly code = 'EGRESS_DENIED';

  constructor(
    readonly host: string,
    readonly address: string | null,
    readonly reason: string,
  ) {
    super(`egress refused: ${host}${address && address !== host ? ` resolves to ${address}` : ''}, ${reason}`);
    this.name = 'EgressDeniedError';
  }
}

/** An allow or deny list entry that cannot be parsed. */
export class EgressConfigError extends Error {}

export interface EgressConfig {
  /** Comma-separated entries: `host`, `host:port`, `*.domain`, `CIDR`, `ip`, `ip:port`, `[v6 or v6 CIDR]:port`, `loopback`, `private`, `link-local`, `unspecified`. */
  allow?: string | null;
  /** Same grammar as `allow`; a deny entry wins over an allow entry. */
  deny?: string | null;
  /** A server shared by organizations (on Postgres): loopback, private and unspecified addresses are refused unless allowed. */
  multiOrganization: boolean;
  /** The control plane's own database (DATABASE_URL): never a connector target, unless `allowControlDatabase`. */
  controlDatabaseUrl?: string | null;
  allowControlDatabase?: boolean;
}

/** A target that passed: the address to connect to (and only that one). */
export interface EgressTarget {
  address: string;
  family: 4 | 6;
}

type Range = { kind: 'range'; list: BlockList; label: string; port: number | null; word: string | null };
type HostEntry = { kind: 'host'; host: string; wildcard: boolean; label: string; port: number | null };
type Entry = Range | HostEntry;

const WORDS: Record<string, Array<[string, number, 'ipv4' | 'ipv6']>> = {
  loopback: [
    ['127.0.0.0', 8, 'ipv4'],
    ['::1', 128, 'ipv6'],
  ],
  private: [
    ['10.0.0.0', 8, 'ipv4'],
    ['172.16.0.0', 12, 'ipv4'],
    ['192.168.0.0', 16, 'ipv4'],
    ['100.64.0.0', 10, 'ipv4'],
    ['fc00::', 7, 'ipv6'],
  ],
  'link-local': [
    ['169.254.0.0', 16, 'ipv4'],
    ['fe80::', 10, 'ipv6'],
  ],
  unspecified: [
    ['0.0.0.0', 8, 'ipv4'],
    ['::', 128, 'ipv6'],
  ],
};

function blockOf(ranges: Array<[string, number, 'ipv4' | 'ipv6']>): BlockList {
  const list = new BlockList();
  for (const [net, prefix, type] of ranges) list.addSubnet(net, prefix, type);
  return list;
}

const DEFAULT_BLOCKS = Object.fromEntries(Object.entries(WORDS).map(([w, r]) => [w, blockOf(r)])) as Record<
  keyof typeof WORDS,
  BlockList
>;

const HOST_RE = /^(\*\.)?([a-z0-9_]([a-z0-9_-]{0,62})?)(\.[a-z0-9_]([a-z0-9_-]{0,62})?)*\.?$/;

function parsePort(text: string, entry: string, list: string): number {
  if (!/^\d{1,5}$/.test(text) || Number(text) < 1 || Number(text) > 65535)
    throw new EgressConfigError(`egress ${list} list: "${entry}" has an invalid port "${text}" (1–65535).`);
  return Number(text);
}

function parseAddressPart(part: string, port: number | null, entry: string, list: string): Entry {
  const lower = part.toLowerCase();
  if (lower in WORDS) return { kind: 'range', list: DEFAULT_BLOCKS[lower]!, label: entry, port, word: lower };
  if (part.includes('/')) {
    const [net, prefixText] = part.split('/') as [string, string];
    const family = isIP(net);
    const max = family === 6 ? 128 : 32;
    if (!family || !/^\d{1,3}$/.test(prefixText ?? '') || Number(prefixText) > max)
      throw new EgressConfigError(
        `egress ${list} list: "${entry}" is not a valid CIDR (such as 10.0.0.0/8 or [fd00::/8]).`,
      );
    const block = new BlockList();
    block.addSubnet(net, Number(prefixText), family === 6 ? 'ipv6' : 'ipv4');
    return { kind: 'range', list: block, label: entry, port, word: null };
  }
  const family = isIP(part);
  if (family) {
    const block = new BlockList();
    block.addAddress(part, family === 6 ? 'ipv6' : 'ipv4');
    return { kind: 'range', list: block, label: entry, port, word: null };
  }
  if (!HOST_RE.test(lower))
    throw new EgressConfigError(
      `egress ${list} list: "${entry}" is not a host, host:port, CIDR, IP, [IPv6]:port or one of loopback, private, link-local, unspecified.`,
    );
  const wildcard = lower.startsWith('*.');
  return { kind: 'host', host: (wildcard ? lower.slice(2) : lower).replace(/\.$/, ''), wildcard, label: entry, port };
}

/** Parses a comma-separated allow or deny list; throws EgressConfigError naming the bad entry. */
export function parseEgressList(text: string | null | undefined, list: 'allow' | 'deny'): Entry[] {
  const entries: Entry[] = [];
  for (const raw of (text ?? '').split(',')) {
    const entry = raw.trim();
    if (!entry) continue;
    if (entry.startsWith('[')) {
      const m = /^\[([^\]]+)\](?::(.*))?$/.exec(entry);
      if (!m || !isIPv6(m[1]!.split('/')[0]!))
        throw new EgressConfigError(
          `egress ${list} list: "${entry}" is not an [IPv6 address or CIDR] optionally followed by :port.`,
        );
      entries.push(parseAddressPart(m[1]!, m[2] !== undefined ? parsePort(m[2], entry, list) : null, entry, list));
      continue;
    }
    const colons = entry.split(':').length - 1;
    if (colons > 1) {
      // A bare IPv6 address or CIDR (a port needs the brackets).
      if (!isIPv6(entry.split('/')[0]!))
        throw new EgressConfigError(
          `egress ${list} list: "${entry}" is not an IPv6 address; write [address]:port to give a port.`,
        );
      entries.push(parseAddressPart(entry, null, entry, list));
      continue;
    }
    if (colons === 1) {
      const at = entry.lastIndexOf(':');
      const host = entry.slice(0, at);
      if (!host) throw new EgressConfigError(`egress ${list} list: "${entry}" has no host.`);
      entries.push(parseAddressPart(host, parsePort(entry.slice(at + 1), entry, list), entry, list));
      continue;
    }
    entries.push(parseAddressPart(entry, null, entry, list));
  }
  return entries;
}

/** `::ffff:127.0.0.1` → `127.0.0.1`; lower case; no brackets or zone. */
function canonical(address: string): { address: string; family: 4 | 6 } {
  let a = address
    .replace(/^\[|\]$/g, '')
    .replace(/%.*$/, '')
    .toLowerCase();
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(a);
  if (mapped) a = mapped[1]!;
  return { address: a, family: isIPv4(a) ? 4 : 6 };
}

/** The eight 16-bit groups of an IPv6 address (a dotted IPv4 tail becomes the last two). */
function ipv6Groups(address: string): number[] | null {
  let text = address;
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.split('::') as [string, string | undefined];
  const part = (s: string | undefined) => (s ? s.split(':').map((g) => parseInt(g, 16)) : []);
  const left = part(head);
  const right = part(tail);
  const groups =
    tail === undefined ? left : [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
  return groups.length === 8 && groups.every((g) => Number.isInteger(g) && g >= 0 && g <= 0xffff) ? groups : null;
}

/**
 * The IPv4 address an IPv6 address carries where it may route to it: IPv4-compatible
 * (`::a.b.c.d`, deprecated) and NAT64 (`64:ff9b::/96`, `64:ff9b:1::/48`). Checked as well as the
 * IPv6 form, so that `64:ff9b::a9fe:a9fe` is refused like 169.254.169.254.
 */
function embeddedIPv4(address: string, family: 4 | 6): string | null {
  if (family !== 6) return null;
  const g = ipv6Groups(address);
  if (!g) return null;
  const compatible = g.slice(0, 6).every((x) => x === 0) && (g[6] !== 0 || g[7]! > 1);
  const nat64 =
    (g[0] === 0x64 && g[1] === 0xff9b && g.slice(2, 6).every((x) => x === 0)) ||
    (g[0] === 0x64 && g[1] === 0xff9b && g[2] === 1);
  if (!compatible && !nat64) return null;
  return [g[6]! >> 8, g[6]! & 0xff, g[7]! >> 8, g[7]! & 0xff].join('.');
}

function inBlock(block: BlockList, address: string, family: 4 | 6): boolean {
  return block.check(address, family === 6 ? 'ipv6' : 'ipv4');
}

function normalizeHost(host: string): string {
  return host
    .trim()
    .replace(/^\[|\]$/g, '')
    .toLowerCase()
    .replace(/\.$/, '');
}

function entryMatches(entry: Entry, host: string, address: string, family: 4 | 6, port: number): boolean {
  if (entry.port !== null && entry.port !== port) return false;
  if (entry.kind === 'range') return inBlock(entry.list, address, family);
  return entry.wildcard ? host.endsWith(`.${entry.host}`) : host === entry.host;
}

interface ControlDatabase {
  host: string;
  port: number;
  database: string;
  /** Whether `host` is a unix socket folder (this host). */
  socket: boolean;
}

function parseControlDatabase(url: string): ControlDatabase {
  const parsed = parseConnectionString(url);
  const host = parsed.host ?? 'localhost';
  return {
    host: normalizeHost(host),
    port: parsed.port ? Number(parsed.port) : 5432,
    database: parsed.database ?? parsed.user ?? 'postgres',
    socket: host.startsWith('/'),
  };
}

/** Addresses of this host: its interfaces' addresses (loopback and unspecified are checked by range). */
function interfaceAddresses(): Set<string> {
  const out = new Set<string>();
  for (const list of Object.values(networkInterfaces()))
    for (const i of list ?? []) out.add(canonical(i.address.split('%')[0]!).address);
  return out;
}

function isThisHost(address: string, family: 4 | 6, interfaces: Set<string>): boolean {
  return (
    inBlock(DEFAULT_BLOCKS.loopback!, address, family) ||
    inBlock(DEFAULT_BLOCKS.unspecified!, address, family) ||
    interfaces.has(address)
  );
}

/** Resolves a host with DNS: every address, both families (an IP literal resolves to itself). */
export type Resolver = (host: string) => Promise<Array<{ address: string; family: number }>>;

const systemResolver: Resolver = (host) => lookup(host, { all: true, verbatim: true });

/**
 * Where connectors may connect. Every target (postgres host, webhook URL and each redirect
 * hop) is resolved once, every address it resolves to is checked, and the connector connects
 * to the checked address (no second lookup a DNS rebinding could answer differently). Refused:
 * the control plane's own database (by address, port and database name; loopback, unspecified
 * and this host's interface addresses all count as "this host"), then the deny list, then —
 * unless the allow list matches — link-local addresses and, for a multi-organization server,
 * loopback, private and unspecified ones.
 */
export class EgressPolicy {
  private readonly allow: Entry[];
  private readonly deny: Entry[];
  private readonly control: ControlDatabase | null;
  private controlAddresses: Promise<Set<string> | 'this-host'> | null = null;
  /** Loopback, private and unspecified addresses are refused unless allowed. */
  readonly multiOrganization: boolean;

  private constructor(
    config: EgressConfig,
    private readonly resolver: Resolver,
  ) {
    this.allow = parseEgressList(config.allow, 'allow');
    this.deny = parseEgressList(config.deny, 'deny');
    this.control =
      config.controlDatabaseUrl && !config.allowControlDatabase
        ? parseControlDatabase(config.controlDatabaseUrl)
        : null;
    this.multiOrganization = config.multiOrganization;
  }

  /** The policy of a server's configuration; throws EgressConfigError for a bad allow or deny entry. */
  static fromConfig(config: EgressConfig, options: { resolver?: Resolver } = {}): EgressPolicy {
    return new EgressPolicy(config, options.resolver ?? systemResolver);
  }

  /** For tests and embedding: everything but link-local addresses (cloud metadata) is allowed. */
  static permissive(options: { resolver?: Resolver } = {}): EgressPolicy {
    return new EgressPolicy({ multiOrganization: false }, options.resolver ?? systemResolver);
  }

  /**
   * Resolves `host` and checks every address it resolves to for `port` (and, for a database,
   * its name); returns the address to connect to. Throws EgressDeniedError when refused, and
   * the DNS error (ENOTFOUND, EAI_AGAIN …) when the host does not resolve.
   */
  async check(host: string, port: number, options: { database?: string } = {}): Promise<EgressTarget> {
    const name = normalizeHost(host);
    if (name.startsWith('/')) return this.checkSocket(name, port, options);
    const literal = isIP(name) ? [{ address: name, family: isIP(name) }] : await this.resolver(name);
    if (literal.length === 0)
      throw Object.assign(new Error(`${host} does not resolve to any address`), { code: 'ENOTFOUND' });
    let first: EgressTarget | null = null;
    for (const entry of literal) {
      const { address, family } = canonical(entry.address);
      await this.checkAddress(name, address, family, port, options.database);
      const embedded = embeddedIPv4(address, family);
      if (embedded) await this.checkAddress(name, embedded, 4, port, options.database);
      first ??= { address, family };
    }
    return first!;
  }

  /**
   * A unix-socket folder as a postgres host (this host's own server): refused unless loopback
   * addresses are allowed, and never the control database's socket.
   */
  async checkSocket(folder: string, port: number, options: { database?: string } = {}): Promise<EgressTarget> {
    await this.checkAddress(folder, '127.0.0.1', 4, port, options.database, `${folder} is a unix socket of this host`);
    return { address: folder, family: 4 };
  }

  /** Whether this host's own addresses (and unix sockets) may be reached. */
  allowsLoopback(port = 0): boolean {
    if (this.deny.some((e) => e.kind === 'range' && e.word === 'loopback')) return false;
    if (!this.multiOrganization) return true;
    return this.allow.some(
      (e) => e.kind === 'range' && (e.port === null || e.port === port) && inBlock(e.list, '127.0.0.1', 4),
    );
  }

  private async checkAddress(
    host: string,
    address: string,
    family: 4 | 6,
    port: number,
    database: string | undefined,
    what?: string,
  ): Promise<void> {
    const refuse = (reason: string) => {
      throw new EgressDeniedError(host, what ? null : address, what ? `${what}: ${reason}` : reason);
    };
    if (this.control && port === this.control.port && (database === undefined || database === this.control.database)) {
      if (await this.isControlServer(address, family)) refuse("the control plane's own database");
    }
    const denied = this.deny.find((e) => entryMatches(e, host, address, family, port));
    if (denied) refuse(`denied by the egress deny list ("${denied.label}")`);
    if (this.allow.some((e) => entryMatches(e, host, address, family, port))) return;
    if (inBlock(DEFAULT_BLOCKS['link-local']!, address, family))
      refuse('a link-local address (cloud metadata), refused unless allowed (PIPEWRIGHT_EGRESS_ALLOW)');
    if (this.multiOrganization) {
      if (inBlock(DEFAULT_BLOCKS.loopback!, address, family))
        refuse('a loopback address, refused on a multi-organization server unless allowed (PIPEWRIGHT_EGRESS_ALLOW)');
      if (inBlock(DEFAULT_BLOCKS.unspecified!, address, family))
        refuse(
          'an unspecified address, refused on a multi-organization server unless allowed (PIPEWRIGHT_EGRESS_ALLOW)',
        );
      if (inBlock(DEFAULT_BLOCKS.private!, address, family))
        refuse('a private address, refused on a multi-organization server unless allowed (PIPEWRIGHT_EGRESS_ALLOW)');
    }
  }

  /** Whether `address` is the control database's server: same address, or both "this host". */
  private async isControlServer(address: string, family: 4 | 6): Promise<boolean> {
    this.controlAddresses ??= this.resolveControl();
    const control = await this.controlAddresses;
    const interfaces = interfaceAddresses();
    if (control === 'this-host') return isThisHost(address, family, interfaces);
    if (control.has(address)) return true;
    // The control database is on this host under one of its addresses: every alias of this host counts.
    const controlIsHere = [...control].some((a) => isThisHost(a, isIPv4(a) ? 4 : 6, interfaces));
    return controlIsHere && isThisHost(address, family, interfaces);
  }

  private async resolveControl(): Promise<Set<string> | 'this-host'> {
    const c = this.control!;
    if (c.socket || c.host === 'localhost') return 'this-host';
    try {
      const found = isIP(c.host) ? [{ address: c.host }] : await this.resolver(c.host);
      return new Set(found.map((a) => canonical(a.address).address));
    } catch {
      // Not resolvable now: compare names only (and look again next time).
      this.controlAddresses = null;
      return new Set([c.host]);
    }
  }
}
