import { readFile } from 'node:fs/promises';
import type { Client, ConnectConfig } from 'ssh2';
import { GatewayError } from '../../errors.ts';
import type { Logger } from '../../log.ts';
import { loadSsh2 } from '../../util/lazy-require.ts';
import { ChannelOpenFailed } from './exec.ts';
import { fingerprintOf, type HostRegistry, type ResolvedHost } from './hosts.ts';

export interface PoolOptions {
  connectTimeout: number;
  keepaliveInterval: number;
  idleTimeout: number;
  maxConcurrentPerHost: number;
  downRetry: number;
}

/** One host's slot in the pool: its connection, its queue, and whether it is known to be down. */
interface HostSlot {
  client: Client | undefined;
  connecting: Promise<Client> | undefined;
  active: number;
  waiters: (() => void)[];
  idleTimer: NodeJS.Timeout | undefined;
  downUntil: number;
  downReason: string;
}

/** Turn what ssh2 and the socket layer throw into a GatewayError that says what to do. */
export function translateConnectError(host: ResolvedHost, error: unknown): GatewayError {
  if (error instanceof GatewayError) return error;
  const err = error as NodeJS.ErrnoException & { level?: string };
  const where = `${host.name} (${host.address}:${host.port})`;
  if (err.level === 'client-authentication')
    return new GatewayError(
      'ERR_UPSTREAM_FAILED',
      `${where} refused the key in ${host.key_file} for user ${host.user}; add its public key to that user's authorized_keys.`,
      { cause: error },
    );
  if (err.code === 'ECONNREFUSED')
    return new GatewayError('ERR_UPSTREAM_UNAVAILABLE', `${where} refused the connection; is sshd running?`, {
      cause: error,
    });
  if (err.code === 'ENOTFOUND' || err.code === 'EAI_AGAIN')
    return new GatewayError('ERR_UPSTREAM_UNAVAILABLE', `${where}: the address does not resolve.`, {
      cause: error,
    });
  if (/timed out/i.test(err.message ?? '') || err.code === 'ETIMEDOUT')
    return new GatewayError(
      'ERR_UPSTREAM_UNAVAILABLE',
      `${where} did not answer within the connect timeout.`,
      {
        cause: error,
      },
    );
  return new GatewayError('ERR_UPSTREAM_UNAVAILABLE', `${where} could not be reached over SSH.`, {
    cause: error,
  });
}

/**
 * SSH connections, one per host, shared by every call to that host (ssh2
 * multiplexes channels). A per-host semaphore caps concurrent commands; an idle
 * connection is closed; a host that failed to connect fails fast until
 * `downRetry` has passed, so it never holds up calls to other hosts.
 */
export class SshPool {
  private readonly slots = new Map<string, HostSlot>();
  private readonly options: PoolOptions;
  private readonly hosts: HostRegistry;
  private readonly log: Logger;
  private closed = false;

  constructor(hosts: HostRegistry, options: PoolOptions, log: Logger) {
    this.hosts = hosts;
    this.options = options;
    this.log = log;
  }

  private slot(name: string): HostSlot {
    let slot = this.slots.get(name);
    if (!slot) {
      slot = {
        client: undefined,
        connecting: undefined,
        active: 0,
        waiters: [],
        idleTimer: undefined,
        downUntil: 0,
        downReason: '',
      };
      this.slots.set(name, slot);
    }
    return slot;
  }

  /** Run `work` with a connection to the host, holding one of its concurrency slots meanwhile. */
  async withConnection<T>(
    name: string,
    signal: AbortSignal,
    work: (client: Client) => Promise<T>,
  ): Promise<T> {
    if (this.closed) throw new GatewayError('ERR_UPSTREAM_UNAVAILABLE', 'The SSH pool is shut down.');
    const host = this.hosts.get(name);
    const slot = this.slot(name);
    this.failFastIfDown(host, slot);
    await this.acquire(slot, signal);
    try {
      this.failFastIfDown(host, slot); // it may have gone down while this call waited its turn
      const client = await this.connection(host, slot);
      try {
        return await work(client);
      } catch (error) {
        if (!(error instanceof ChannelOpenFailed)) throw error;
        // The pooled connection died under us (the close event had not arrived yet):
        // the command never started, so drop the connection and try once on a fresh one.
        this.drop(slot, client);
        return await work(await this.connection(host, slot));
      }
    } finally {
      this.release(slot);
    }
  }

  /** Whether the host is currently marked down, and why. */
  status(name: string): { connected: boolean; down: boolean; reason?: string; active: number } {
    const slot = this.slots.get(name);
    if (!slot) return { connected: false, down: false, active: 0 };
    const down = slot.downUntil > Date.now();
    return {
      connected: !!slot.client,
      down,
      active: slot.active,
      ...(down ? { reason: slot.downReason } : {}),
    };
  }

  private drop(slot: HostSlot, client: Client): void {
    if (slot.client === client) slot.client = undefined;
    client.end();
  }

  private failFastIfDown(host: ResolvedHost, slot: HostSlot): void {
    const wait = slot.downUntil - Date.now();
    if (wait > 0) {
      throw new GatewayError(
        'ERR_UPSTREAM_UNAVAILABLE',
        `${host.name} is down (${slot.downReason}); it is tried again in ${Math.ceil(wait / 1000)} s.`,
        { retryAfter: Math.ceil(wait / 1000) },
      );
    }
  }

  private acquire(slot: HostSlot, signal: AbortSignal): Promise<void> {
    if (slot.active < this.options.maxConcurrentPerHost) {
      slot.active += 1;
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        slot.waiters = slot.waiters.filter((w) => w !== wake);
        reject(signal.reason ?? new GatewayError('ERR_TIMEOUT', 'Cancelled while waiting for the host.'));
      };
      const wake = () => {
        signal.removeEventListener('abort', onAbort);
        slot.active += 1;
        resolve();
      };
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      slot.waiters.push(wake);
    });
  }

  private release(slot: HostSlot): void {
    slot.active -= 1;
    const next = slot.waiters.shift();
    if (next) next();
    else if (slot.active === 0) this.armIdleTimer(slot);
  }

  private armIdleTimer(slot: HostSlot): void {
    clearTimeout(slot.idleTimer);
    slot.idleTimer = setTimeout(() => {
      if (slot.active === 0) slot.client?.end();
    }, this.options.idleTimeout);
    slot.idleTimer.unref();
  }

  private connection(host: ResolvedHost, slot: HostSlot): Promise<Client> {
    clearTimeout(slot.idleTimer);
    if (slot.client) return Promise.resolve(slot.client);
    if (!slot.connecting) {
      slot.connecting = this.connect(host)
        .then((client) => {
          slot.client = client;
          client.on('close', () => {
            if (slot.client === client) slot.client = undefined;
          });
          return client;
        })
        .catch((error: unknown) => {
          const failure = translateConnectError(host, error);
          // A changed key or an unusable key file is refused on every attempt; the host is not "down".
          if (failure.code !== 'ERR_HOST_KEY_UNTRUSTED' && failure.code !== 'ERR_CONFIG_INVALID') {
            slot.downUntil = Date.now() + this.options.downRetry;
            slot.downReason = failure.message;
          }
          this.log.warn({ host: host.name, err: error }, 'ssh connection failed');
          throw failure;
        })
        .finally(() => {
          slot.connecting = undefined;
        });
    }
    return slot.connecting;
  }

  /** Open one verified, authenticated connection (not pooled). */
  async connect(host: ResolvedHost): Promise<Client> {
    const pin = host.pin;
    if (!pin) {
      throw new GatewayError(
        'ERR_HOST_KEY_UNTRUSTED',
        `Host "${host.name}" has no pinned host key, so it is refused. Run \`tailwarden hosts trust ${host.name}\` on the gateway, compare the fingerprint with the host's own (ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub), and confirm.`,
      );
    }
    const privateKey = await readFile(host.key_file).catch((error: NodeJS.ErrnoException) => {
      throw new GatewayError(
        'ERR_CONFIG_INVALID',
        `Cannot read the key file for host "${host.name}" (${error.code}); check modules.ssh.hosts key_file.`,
      );
    });
    let presented: string | undefined;
    const config: ConnectConfig = {
      host: host.address,
      port: host.port,
      username: host.user,
      privateKey,
      readyTimeout: this.options.connectTimeout,
      keepaliveInterval: this.options.keepaliveInterval,
      keepaliveCountMax: 3,
      hostVerifier: (key: Buffer) => {
        presented = fingerprintOf(key);
        return presented === pin.fingerprint;
      },
    };
    return new Promise<Client>((resolve, reject) => {
      const client = new (loadSsh2().Client)();
      client.once('ready', () => {
        client.removeAllListeners('error');
        client.on('error', (err) => this.log.warn({ host: host.name, err }, 'ssh connection error'));
        resolve(client);
      });
      client.once('error', (error: Error & { level?: string }) => {
        client.end();
        if (presented !== undefined && presented !== pin.fingerprint) {
          this.log.error(
            { host: host.name, expected: pin.fingerprint, presented },
            'SSH HOST KEY CHANGED: connection refused',
          );
          return reject(
            new GatewayError(
              'ERR_HOST_KEY_UNTRUSTED',
              `HOST KEY MISMATCH for "${host.name}" (${host.address}:${host.port}): it presented ${presented}, but ${pin.fingerprint} is pinned (${pin.source}). The connection was refused. If the host was reinstalled, verify the new key on the host itself, then re-pin it; otherwise treat this as an attack.`,
              { cause: error },
            ),
          );
        }
        reject(error);
      });
      try {
        client.connect(config);
      } catch (error) {
        // ssh2 parses the key synchronously: an encrypted or malformed key lands here.
        reject(
          new GatewayError(
            'ERR_CONFIG_INVALID',
            `The key file for host "${host.name}" cannot be used (${(error as Error).message}); use an unencrypted OpenSSH or PEM private key.`,
          ),
        );
      }
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const slot of this.slots.values()) {
      clearTimeout(slot.idleTimer);
      slot.client?.end();
      slot.client = undefined;
    }
  }
}
