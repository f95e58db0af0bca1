import { lookup, Resolver } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import { GatewayError } from '../../errors.ts';

export interface NetGuardOptions {
  allow: readonly string[];
  deny: readonly string[];
  allowLoopback: boolean;
  allowPublic: boolean;
  /** Resolve with these DNS servers instead of the system resolver. */
  dnsServers?: readonly string[];
}

const PRIVATE_OR_SPECIAL = [
  '0.0.0.0/8',
  '10.0.0.0/8',
  '100.64.0.0/10',
  '127.0.0.0/8',
  '169.254.0.0/16',
  '172.16.0.0/12',
  '192.0.0.0/24',
  '192.168.0.0/16',
  '198.18.0.0/15',
  '224.0.0.0/3',
  '::/128',
  '::1/128',
  '::/96',
  'fc00::/7',
  'fe80::/10',
  'ff00::/8',
];

function addRange(list: BlockList, cidr: string): void {
  const [address, bits] = cidr.split('/');
  const family = isIP(address ?? '');
  if (!family) throw new Error(`"${cidr}" is not an address range (use CIDR, e.g. 10.0.0.0/8)`);
  const type = family === 6 ? 'ipv6' : 'ipv4';
  const prefix = bits === undefined ? (family === 6 ? 128 : 32) : Number(bits);
  list.addSubnet(address!, prefix, type);
}

function buildList(ranges: readonly string[]): BlockList {
  const list = new BlockList();
  for (const range of ranges) addRange(list, range);
  return list;
}

/** IPv4-mapped IPv6 (::ffff:a.b.c.d) is judged as the IPv4 address it carries. */
function canonical(address: string): { address: string; type: 'ipv4' | 'ipv6' } {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return { address: mapped[1]!, type: 'ipv4' };
  return { address, type: isIP(address) === 6 ? 'ipv6' : 'ipv4' };
}

/** The eight 16-bit groups of an IPv6 address (zone id dropped, dotted tail expanded). */
function ipv6Groups(address: string): number[] {
  let text = address.replace(/%.*$/, '');
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.split('::') as [string, string | undefined];
  const h = head ? head.split(':') : [];
  const t = tail !== undefined && tail ? tail.split(':') : [];
  const fill = text.includes('::') ? Array(8 - h.length - t.length).fill('0') : [];
  return [...h, ...fill, ...t].map((g) => Number.parseInt(g, 16));
}

const v4 = (hi: number, lo: number) => `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;

/**
 * The IPv4 address an IPv6 transition address leads to: IPv4-compatible
 * (::a.b.c.d), NAT64 (64:ff9b::/96) and 6to4 (2002::/16). A NAT64 gateway or
 * 6to4 relay forwards such an address to its IPv4 twin, so 64:ff9b::a9fe:a9fe
 * reaches 169.254.169.254 on an IPv6-only network; the guard judges both.
 */
function embeddedIPv4(address: string): string | undefined {
  if (isIP(address) !== 6) return undefined;
  const g = ipv6Groups(address);
  if (g.length !== 8 || g.some((x) => Number.isNaN(x))) return undefined;
  if (g.slice(0, 6).every((x) => x === 0) && (g[6] !== 0 || g[7]! > 1)) return v4(g[6]!, g[7]!);
  if (g[0] === 0x64 && g[1] === 0xff9b && g.slice(2, 6).every((x) => x === 0)) return v4(g[6]!, g[7]!);
  if (g[0] === 0x2002) return v4(g[1]!, g[2]!);
  return undefined;
}

/**
 * Addresses that reach this host's own services, judged like loopback: the
 * unspecified addresses (a connect to 0.0.0.0 or :: lands on the local host on
 * Linux) and Tailscale's quad-100 service address (100.100.100.100 and
 * fd7a:115c:a1e0::53), where tailscaled answers MagicDNS and the node's local
 * web client. Quad-100 lies inside the tailnet range 100.64.0.0/10 that
 * net_allow lets through by default, but it is never another machine.
 */
const THIS_HOST = [
  '127.0.0.0/8',
  '::1/128',
  '0.0.0.0/8',
  '::/128',
  '100.100.100.100/32',
  'fd7a:115c:a1e0::53/128',
];

/** Transition ranges with no defined IPv4 twin here (local-use NAT64, Teredo): special-purpose. */
const TRANSITION_SPECIAL = ['64:ff9b:1::/48', '2001::/32'];

export interface ResolvedTarget {
  host: string;
  addresses: string[];
}

/**
 * The one gate every outbound diagnostic goes through: resolve the name first,
 * then check every resolved address (deny ranges first, then loopback, the
 * allow ranges, and public addresses), so a name that points at a metadata or
 * link-local address is refused just like the literal address.
 */
export class NetGuard {
  private readonly deny: BlockList;
  private readonly allow: BlockList;
  private readonly special = buildList([...PRIVATE_OR_SPECIAL, ...TRANSITION_SPECIAL]);
  private readonly loopback = buildList(THIS_HOST);
  private readonly options: NetGuardOptions;

  private readonly resolver: Resolver | undefined;

  constructor(options: NetGuardOptions) {
    this.options = options;
    if (options.dnsServers?.length) {
      this.resolver = new Resolver({ timeout: 3000, tries: 2 });
      this.resolver.setServers([...options.dnsServers]);
    }
    this.deny = buildList(options.deny);
    this.allow = buildList(options.allow);
  }

  /** Why an address may not be reached, or undefined when it may. */
  refusal(rawAddress: string): string | undefined {
    const own = this.judge(rawAddress);
    if (own) return own;
    const twin = embeddedIPv4(rawAddress);
    const why = twin ? this.judge(twin) : undefined;
    return why ? `it leads to ${twin} and ${why}` : undefined;
  }

  private judge(rawAddress: string): string | undefined {
    const { address, type } = canonical(rawAddress);
    if (this.deny.check(address, type)) return 'it is in a denied range (modules.system.net_deny)';
    if (this.loopback.check(address, type))
      return this.options.allowLoopback
        ? undefined
        : 'it reaches this host itself (loopback, unspecified or Tailscale quad-100) and modules.system.net_allow_loopback is off';
    if (this.allow.check(address, type)) return undefined;
    if (this.special.check(address, type))
      return 'it is a private or special-purpose address outside modules.system.net_allow';
    return this.options.allowPublic
      ? undefined
      : 'public addresses are not allowed (modules.system.net_allow_public)';
  }

  /** Whether modules.system.net_dns_servers replaces the system resolver. */
  get hasDnsServers(): boolean {
    return this.resolver !== undefined;
  }

  /** A resolver for the net_dns_lookup tool: the configured servers, or the system's. */
  dnsResolver(): Resolver {
    if (this.resolver) return this.resolver;
    return new Resolver({ timeout: 3000, tries: 2 });
  }

  private async lookupAll(name: string): Promise<string[]> {
    if (!this.resolver) return (await lookup(name, { all: true, verbatim: true })).map((a) => a.address);
    const results = await Promise.allSettled([this.resolver.resolve4(name), this.resolver.resolve6(name)]);
    const addresses = results.flatMap((r) => (r.status === 'fulfilled' ? r.value : []));
    if (addresses.length === 0) {
      const failed = results.find((r) => r.status === 'rejected');
      throw failed?.status === 'rejected'
        ? failed.reason
        : Object.assign(new Error('no addresses'), { code: 'ENODATA' });
    }
    return addresses;
  }

  /** Resolve `host` (a name or literal address) and check every address; throws when any is refused. */
  async resolve(host: string): Promise<ResolvedTarget> {
    const bare = host.replace(/^\[(.*)\]$/, '$1');
    if (!bare || bare.length > 253 || /[\s/\\@]/.test(bare))
      throw new GatewayError('ERR_INPUT_REJECTED', `"${host}" is not a host name or IP address.`);
    let addresses: string[];
    if (isIP(bare)) addresses = [bare];
    else {
      try {
        addresses = await this.lookupAll(bare);
      } catch (error) {
        throw new GatewayError(
          'ERR_NOT_FOUND',
          `${host} does not resolve (${(error as NodeJS.ErrnoException).code}).`,
          {
            cause: error,
          },
        );
      }
    }
    for (const address of addresses) {
      const why = this.refusal(address);
      if (why)
        throw new GatewayError(
          'ERR_POLICY_DENIED',
          `${host}${address === bare ? '' : ` resolves to ${address}, which`} may not be reached: ${why}.`,
        );
    }
    return { host: bare, addresses };
  }
}
