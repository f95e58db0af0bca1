import { z } from 'zod';
import { GatewayError } from '../../errors.ts';
import type { Logger } from '../../log.ts';
import { ProxmoxClient } from './client.ts';
import { CLUSTER_NAME_RE, type ProxmoxConfig } from './config.ts';

/** The `cluster` argument every Proxmox tool takes. */
export const clusterArg = z
  .string()
  .max(63)
  .regex(CLUSTER_NAME_RE, 'a cluster name from modules.proxmox.clusters')
  .optional()
  .describe('Cluster name from modules.proxmox.clusters (default: the first configured)');

/** The configured clusters by name, each with its own client (token, trust, agent). */
export class Clusters {
  private readonly clients = new Map<string, ProxmoxClient>();

  constructor(settings: ProxmoxConfig, log: Logger) {
    for (const entry of settings.clusters) {
      this.clients.set(
        entry.name,
        new ProxmoxClient(
          {
            name: entry.name,
            url: entry.url,
            tokenId: entry.token_id,
            secret: settings.token_secrets[entry.name] ?? settings.token_secret,
            fingerprint: entry.fingerprint,
            caFile: entry.ca_file,
          },
          { timeoutMs: settings.api_timeout, log: log.child({ cluster: entry.name }) },
        ),
      );
    }
  }

  get names(): string[] {
    return [...this.clients.keys()];
  }

  /** The named cluster, or the first when no name is given. */
  pick(name: string | undefined): ProxmoxClient {
    if (this.clients.size === 0) {
      throw new GatewayError(
        'ERR_UPSTREAM_UNAVAILABLE',
        'No Proxmox cluster is configured: add one to modules.proxmox.clusters (name, url, token_id, fingerprint) and its secret to the environment file.',
      );
    }
    const client = name === undefined ? this.clients.values().next().value : this.clients.get(name);
    if (!client) {
      throw new GatewayError(
        'ERR_INPUT_REJECTED',
        `No Proxmox cluster named "${name}"; configured: ${this.names.join(', ')}.`,
      );
    }
    return client;
  }

  /** The named cluster, or every cluster when no name is given (lists span all of them). */
  some(name: string | undefined): ProxmoxClient[] {
    return name === undefined && this.clients.size > 0 ? [...this.clients.values()] : [this.pick(name)];
  }

  all(): ProxmoxClient[] {
    return [...this.clients.values()];
  }

  close(): void {
    for (const client of this.clients.values()) client.close();
  }
}
