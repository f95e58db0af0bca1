import { z } from 'zod';
import { bool, bytes, duration, int, list, optionalStr, section } from '../../config/fields.ts';

/** OpenSSH's own notation for a host key: `SHA256:` and 43 characters of unpadded base64. */
export const FINGERPRINT_RE = /^SHA256:[A-Za-z0-9+/]{43}$/;
export const HOST_NAME_RE = /^[a-z0-9][a-z0-9-]{0,62}$/;

export const hostEntry = z.strictObject({
  name: z
    .string()
    .regex(HOST_NAME_RE, 'must be lowercase letters, digits and dashes (e.g. nas, media-box)')
    .describe('Short name used in tools and the CLI.'),
  address: z.string().min(1).describe('Tailnet name (nas.example.ts.net) or IP address.'),
  port: z.number().int().min(1).max(65535).default(22),
  user: z
    .string()
    .regex(/^[a-z_][a-z0-9_.-]*$/i, 'must be a plain user name')
    .default('tailwarden'),
  key_file: z.string().min(1).describe('Private key (OpenSSH or PEM) the gateway logs in with.'),
  host_key: z
    .string()
    .regex(FINGERPRINT_RE, 'must be an OpenSSH SHA256 fingerprint, e.g. SHA256:abc… (43 characters)')
    .optional()
    .describe(
      'Pinned host-key fingerprint. Unset: the host is refused until `tailwarden hosts trust NAME` pins one.',
    ),
  tags: z.array(z.string().min(1)).default([]),
  docker: z.boolean().default(false).describe('The Docker tools may reach this host engine over SSH.'),
});

export type HostEntry = z.output<typeof hostEntry>;

export const sshConfig = section(
  {
    enabled: bool(false, { description: 'Expose the SSH fleet module (other hosts over SSH).' }),
    hosts: z
      .array(hostEntry)
      .superRefine((hosts, ctx) => {
        const seen = new Set<string>();
        hosts.forEach((host, index) => {
          if (seen.has(host.name))
            ctx.addIssue({ code: 'custom', path: [index, 'name'], message: `"${host.name}" is used twice` });
          seen.add(host.name);
        });
      })
      .meta({
        description:
          'Hosts reachable over SSH: name, address, port, user, key_file, host_key (SHA256 fingerprint), tags, docker.',
        format: 'json',
      })
      .default([]),
    default_catalog: bool(true, {
      description: 'Load the read-only command catalog that ships with tailwarden.',
    }),
    catalogs: list([], {
      description: 'More command catalog files (YAML). A file that does not validate stops the gateway.',
    }),
    connect_timeout: duration('10s', { description: 'Give up connecting (TCP + SSH handshake) after this.' }),
    command_timeout: duration('30s', {
      description: 'Default timeout of one remote command (catalog entries may set their own).',
    }),
    remote_timeout: bool(true, {
      description:
        'Also enforce each command timeout on the host with timeout(1) (coreutils or busybox), so a command that outlives it is killed there; sshd does not act on signal requests here.',
    }),
    keepalive_interval: duration('15s', {
      description: 'SSH keepalive interval on pooled connections.',
    }),
    idle_timeout: duration('5m', { description: 'A pooled connection unused for this long is closed.' }),
    max_concurrent_per_host: int(
      4,
      { description: 'Commands running at once on one host; more wait their turn.' },
      1,
      64,
    ),
    down_retry: duration('30s', {
      description: 'After a failed connection the host fails fast for this long before it is tried again.',
    }),
    output_cap: bytes('256KiB', {
      description:
        "Largest output (stdout + stderr) kept from one command; more is cut off and flagged. The default matches the gateway's other output caps: what a model's context can take.",
    }),
    fleet_timeout: duration('30s', {
      description:
        'Per-host deadline of fleet_status, connecting included. Keep it well above connect_timeout: a slow or busy host that is still logging in is not down.',
    }),
    discovery_tag: optionalStr({
      description:
        'Tailnet tag (e.g. tag:server) whose devices `tailwarden hosts list` shows as candidates (never trusted).',
    }),
  },
  'SSH fleet: other hosts over SSH with pinned host keys and a typed command catalog.',
);

export type SshConfig = z.output<typeof sshConfig>;
