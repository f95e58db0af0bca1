import { z } from 'zod';
import { bool, duration, int, optionalStr, section } from '../../config/fields.ts';

/** Short names for clusters, used in tools (`"cluster": "home"`). */
export const CLUSTER_NAME_RE = /^[a-z0-9][a-z0-9-]{0,62}$/;
/** `USER@REALM!TOKENID`, as `pveum user token add` prints it in full-tokenid. */
export const TOKEN_ID_RE = /^[A-Za-z0-9._-]+@[A-Za-z0-9._-]+![A-Za-z][A-Za-z0-9._-]{0,63}$/;
/** A SHA-256 certificate fingerprint: 64 hex digits, with or without colons (as `pvenode cert info` shows it). */
export const FINGERPRINT_RE = /^(?:[0-9A-Fa-f]{2}:){31}[0-9A-Fa-f]{2}$|^[0-9A-Fa-f]{64}$/;

export const clusterEntry = z
  .strictObject({
    name: z
      .string()
      .regex(CLUSTER_NAME_RE, 'must be lowercase letters, digits and dashes (e.g. pve, home-lab)')
      .describe('Short name used in tools ("cluster": "pve").'),
    url: z
      .url({ protocol: /^https$/ })
      .refine((u) => new URL(u).pathname.replace(/\/+$/, '') === '', {
        error: 'must be https://HOST:8006 with no path (the gateway adds /api2/json)',
      })
      .describe('Where the API is served, e.g. https://192.168.1.10:8006 (any node of the cluster).'),
    token_id: z
      .string()
      .regex(TOKEN_ID_RE, 'must be USER@REALM!TOKENID, e.g. tailwarden@pve!gateway')
      .describe('API token id, e.g. tailwarden@pve!gateway. Its secret comes from the environment.'),
    fingerprint: z
      .string()
      .regex(FINGERPRINT_RE, 'must be a SHA-256 fingerprint: 64 hex digits, e.g. AA:BB:…')
      .optional()
      .describe(
        'SHA-256 fingerprint of the certificate the API serves (`pvenode cert info`). Only that exact certificate is accepted.',
      ),
    ca_file: z
      .string()
      .min(1)
      .optional()
      .describe(
        'PEM file of the CA that signed the certificate (e.g. a copy of /etc/pve/pve-root-ca.pem); its host name must match the URL.',
      ),
  })
  .refine((c) => !(c.fingerprint && c.ca_file), {
    error: 'set fingerprint or ca_file, not both',
  });

export type ClusterEntry = z.output<typeof clusterEntry>;

export const proxmoxConfig = section(
  {
    enabled: bool(false, {
      description:
        'Expose the Proxmox VE module (guests, power, snapshots, backups, tasks). Off by default: it needs an API token.',
    }),
    clusters: z
      .array(clusterEntry)
      .superRefine((clusters, ctx) => {
        const seen = new Set<string>();
        clusters.forEach((cluster, index) => {
          if (seen.has(cluster.name))
            ctx.addIssue({
              code: 'custom',
              path: [index, 'name'],
              message: `"${cluster.name}" is used twice`,
            });
          seen.add(cluster.name);
        });
      })
      .meta({
        description:
          'Proxmox VE clusters (or single nodes): name, url, token_id, and fingerprint or ca_file. The first is the default. Without fingerprint or ca_file the system CAs must trust the certificate.',
        format: 'json',
      })
      .default([]),
    token_secret: optionalStr({
      description:
        'Secret (UUID) of the API token, for every cluster not named in token_secrets. Environment only.',
      env: 'TAILWARDEN_PROXMOX_TOKEN_SECRET',
      secret: true,
      envOnly: true,
    }),
    token_secrets: z
      .record(z.string().regex(CLUSTER_NAME_RE), z.string().min(1))
      .meta({
        description:
          'Secrets of clusters with tokens of their own, as JSON: {"cluster name": "secret"}. Environment only.',
        env: 'TAILWARDEN_PROXMOX_TOKEN_SECRETS',
        secret: true,
        envOnly: true,
        format: 'json',
      })
      .default({}),
    api_timeout: duration('15s', { description: 'Upper bound on one Proxmox API request.' }),
    task_wait: duration('2m', {
      description:
        'How long a tool follows the Proxmox task it started (power, snapshot, backup) before it returns the task id still running; the call also stays within tools.timeout.',
    }),
    task_poll_interval: duration('1s', {
      description: 'How often a followed task is polled (status and new log lines) for progress.',
    }),
    stop_task_on_cancel: bool(true, {
      description:
        'When a caller who may stop tasks (proxmox:write) cancels a call, stop the Proxmox task it started (tasks that must not be interrupted, such as a rollback, run on).',
    }),
    protect_self: bool(true, {
      description:
        "Refuse to stop, shut down, reboot, reset, suspend or roll back the guest the gateway runs in, unless the call sets allow_self (and passes the risk rule). The guest is found from the host identity (a Proxmox LXC's container id) or self_vmid.",
    }),
    self_vmid: int(
      0,
      {
        description:
          'VMID of the guest the gateway runs in, when it cannot be detected (e.g. a QEMU VM). 0: detect (a Proxmox LXC container finds its own id).',
      },
      0,
      999_999_999,
    ),
    self_cluster: optionalStr({
      description:
        'Name of the cluster the gateway runs in. Unset: its VMID is protected on every configured cluster.',
    }),
    log_lines: int(30, { description: 'Task log lines given with a failed task (the last ones).' }, 1, 500),
  },
  'Proxmox VE module: guests, power, snapshots, backups, tasks and history through the Proxmox VE API with an API token.',
);

export type ProxmoxConfig = z.output<typeof proxmoxConfig>;
