import { createHash } from 'node:crypto';
import { GatewayError } from '../../errors.ts';
import type { StateDb } from '../../state/db.ts';
import { didYouMean } from '../../util/similar.ts';
import type { HostEntry } from './config.ts';

/** OpenSSH's fingerprint of a raw host key blob: `SHA256:` + unpadded base64 of its SHA-256. */
export function fingerprintOf(key: Buffer): string {
  return `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`;
}

/** The algorithm named at the start of an SSH public key blob, e.g. ssh-ed25519. */
export function keyTypeOf(key: Buffer): string {
  if (key.length < 4) return 'unknown';
  const length = key.readUInt32BE(0);
  return length > 0 && length < 64 && key.length >= 4 + length
    ? key.subarray(4, 4 + length).toString('latin1')
    : 'unknown';
}

export const SSH_MIGRATIONS = [
  {
    id: 'ssh-001-host-pins',
    sql: `CREATE TABLE ssh_host_pins (
      name TEXT PRIMARY KEY,
      address TEXT NOT NULL,
      port INTEGER NOT NULL,
      fingerprint TEXT NOT NULL,
      pinned_at INTEGER NOT NULL
    )`,
  },
];

export interface HostPin {
  fingerprint: string;
  source: 'config' | 'trust-store';
}

export interface ResolvedHost extends HostEntry {
  /** Undefined when the host has no pinned key yet: it is refused until trusted. */
  pin: HostPin | undefined;
}

/**
 * Hosts from the config, with pinned keys from the config or from
 * `tailwarden hosts trust`. A stored pin counts only for the address and port
 * it was made for, so moving a name to another machine needs a new trust.
 */
export class HostRegistry {
  private readonly entries: Map<string, HostEntry>;
  private readonly db: StateDb;

  constructor(hosts: readonly HostEntry[], db: StateDb) {
    this.entries = new Map(hosts.map((h) => [h.name, h]));
    this.db = db;
    db.migrate(SSH_MIGRATIONS);
  }

  names(): string[] {
    return [...this.entries.keys()];
  }

  get(name: string): ResolvedHost {
    const entry = this.entries.get(name);
    if (!entry) {
      throw new GatewayError(
        'ERR_NOT_FOUND',
        `Unknown host "${name}".${didYouMean(name, this.entries.keys())} Configured hosts: ${this.names().join(', ') || '(none)'}.`,
      );
    }
    return { ...entry, pin: this.pinOf(entry) };
  }

  all(): ResolvedHost[] {
    return this.names().map((name) => this.get(name));
  }

  private pinOf(entry: HostEntry): HostPin | undefined {
    if (entry.host_key) return { fingerprint: entry.host_key, source: 'config' };
    const row = this.db.sqlite
      .prepare('SELECT fingerprint FROM ssh_host_pins WHERE name = ? AND address = ? AND port = ?')
      .get(entry.name, entry.address, entry.port) as { fingerprint: string } | undefined;
    return row ? { fingerprint: row.fingerprint, source: 'trust-store' } : undefined;
  }

  /** Pin a fingerprint for a host whose config carries none (the CLI does this after confirmation). */
  trust(name: string, fingerprint: string): void {
    const host = this.get(name);
    if (host.host_key) {
      throw new GatewayError(
        'ERR_CONFLICT',
        `Host "${name}" has host_key pinned in the config; change it there, not in the trust store.`,
      );
    }
    this.db.sqlite
      .prepare(
        `INSERT INTO ssh_host_pins (name, address, port, fingerprint, pinned_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT(name) DO UPDATE SET address = excluded.address, port = excluded.port,
           fingerprint = excluded.fingerprint, pinned_at = excluded.pinned_at`,
      )
      .run(name, host.address, host.port, fingerprint, Date.now());
  }

  untrust(name: string): boolean {
    return this.db.sqlite.prepare('DELETE FROM ssh_host_pins WHERE name = ?').run(name).changes > 0;
  }
}
