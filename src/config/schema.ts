import { z } from 'zod';
import { groupRoles, jwtConfig, oidcConfig, tailnetConfig, userRoles } from '../auth/config.ts';
import { dashboardConfig } from '../http/ui/config.ts';
import { dockerConfig } from '../modules/docker/config.ts';
import { proxmoxConfig } from '../modules/proxmox/config.ts';
import { sshConfig } from '../modules/ssh/config.ts';
import { systemConfig } from '../modules/system/config.ts';
import { tailscaleConfig } from '../modules/tailscale/config.ts';
import { policyConfig } from '../policy/config.ts';
import { DEFAULT_ROLES, isPermission } from '../policy/permissions.ts';
import { isListenAddress } from '../util/listen.ts';
import { watchConfig } from '../watch/config.ts';
import { bool, bytes, duration, enumOf, int, list, optionalStr, section, str } from './fields.ts';

/** Authentication modes a request may be verified by, tried in the order given. */
export const AUTH_MODES = ['token', 'oidc', 'jwt', 'tailnet', 'none'] as const;

const permissionName = z
  .string()
  .refine(isPermission, { error: (issue) => `unknown permission "${issue.input}"` });

const authSection = section(
  {
    modes: list(
      ['token'],
      {
        description: `Authentication modes, tried in order (${AUTH_MODES.join(', ')}). "none" is refused unless the gateway listens on loopback only.`,
        env: 'TAILWARDEN_AUTH',
      },
      z.enum(AUTH_MODES),
    ),
    token_ttl: duration('90d', {
      description:
        'Default lifetime of tokens made by `tailwarden token create` (override with --ttl; "never" must be explicit).',
    }),
    default_role: optionalStr({
      description:
        'Role given to a signed-in principal that maps to no role. Unset: such a principal gets no tools.',
      env: 'TAILWARDEN_DEFAULT_ROLE',
    }),
    users: userRoles,
    groups: groupRoles,
    oidc: oidcConfig,
    jwt: jwtConfig,
    tailnet: tailnetConfig,
  },
  'How callers prove who they are.',
);

const toolsSection = section(
  {
    read_only: bool(false, {
      description: 'Expose and run only low-risk, read-only tools. Wins over everything else.',
    }),
    disable_destructive: bool(false, {
      description: 'Hide and refuse tools whose annotations say they may be destructive.',
    }),
    toolsets: list([], {
      description:
        'When not empty, only tools of these toolsets are exposed (plus those in tools.enabled): a module (system, docker, tailscale, ssh) or one of its areas, e.g. docker.containers or system.logs; docs/tools.md lists them.',
    }),
    enabled: list([], {
      description: 'When not empty, only these tools (by name) are exposed (plus those of tools.toolsets).',
    }),
    disabled: list([], { description: 'Tools (by name) that are never exposed.' }),
    output_schemas: bool(false, {
      description:
        "List each tool's output schema in tools/list. Results carry structuredContent either way; the schemas more than double the list every session loads, and common clients do not show them to the model. Turn on for clients that type results (e.g. code generation).",
    }),
    timeout: duration('5m', {
      description: 'Upper bound on one tool call; the handler is aborted after it.',
    }),
  },
  'Which tools are exposed, and limits on running them.',
);

const httpSection = section(
  {
    body_limit: bytes('1MiB', { description: 'Largest request body accepted on /mcp (larger → 413).' }),
    session_idle_timeout: duration('30m', {
      description: 'An MCP session with no request for this long is closed.',
    }),
    max_sessions: int(1000, { description: 'Open MCP sessions allowed at once; more → a clear 503.' }, 1),
    max_sessions_per_principal: int(
      100,
      {
        description:
          'Open MCP sessions one principal may hold at once (so one caller cannot use them all up).',
      },
      1,
    ),
    max_listen: int(
      256,
      {
        description:
          'Open subscriptions/listen streams (2026-07-28 clients) allowed at once; more → an error.',
      },
      1,
    ),
    max_listen_per_principal: int(
      4,
      { description: 'Open subscriptions/listen streams one principal may hold at once.' },
      1,
    ),
    shutdown_grace: duration('10s', {
      description: 'On SIGTERM/SIGINT, how long in-flight tool calls may finish before sessions are closed.',
    }),
    metrics: bool(true, {
      description: 'Serve Prometheus metrics on /metrics (open to loopback; others need metrics:read).',
    }),
  },
  'HTTP server behaviour.',
);

const rateLimitSection = section(
  {
    per_principal: int(600, { description: 'Requests per minute one authenticated principal may make.' }, 1),
    auth_failures: int(
      30,
      {
        description:
          'Failed sign-ins per minute from one caller (tailnet user behind serve, else forwarded or peer address) before its failures get 429. Valid credentials are always accepted.',
      },
      1,
    ),
  },
  'Rate limits (429 with Retry-After when exceeded).',
);

const auditSection = section(
  {
    file: optionalStr({ description: 'Audit log path. Unset: audit.jsonl in the state directory.' }),
    checkpoint_records: int(
      1000,
      {
        description:
          'Write a durable audit.checkpoint record after this many records (0: never). Each checkpoint syncs the log, moves the anchored head that `tailwarden audit verify` checks, and logs the head hash.',
      },
      0,
    ),
    checkpoint_interval: duration('1h', {
      description:
        'Also write a checkpoint when records were written but none for this long (0: never), so a quiet gateway is anchored and synced too.',
    }),
  },
  'The append-only, hash-chained audit log.',
);

const logSection = section(
  {
    level: enumOf(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'], 'info', {
      description: 'Log level (JSON lines on stdout).',
    }),
  },
  'Logging.',
);

export const configSchema = z.strictObject({
  listen: z
    .string()
    .refine(isListenAddress, { error: 'must be HOST:PORT, e.g. 127.0.0.1:8080 or [::1]:8080' })
    .meta({ description: 'HOST:PORT the HTTP server listens on.', format: 'host:port' })
    .default('127.0.0.1:8080'),
  public_url: z
    .url({ protocol: /^https?$/ })
    .meta({
      description:
        'The URL clients use to reach the gateway, e.g. https://warden.example.ts.net (the MCP endpoint is <it>/mcp). Its host is accepted in Host headers.',
      env: 'TAILWARDEN_PUBLIC_URL',
      format: 'url',
    })
    .optional(),
  extra_hosts: list([], {
    description: 'More host names the gateway may be reached as (Host header check against DNS rebinding).',
  }),
  allowed_origins: list([], {
    description:
      'Browser origins allowed to call /mcp besides the gateway itself (e.g. http://localhost:6274).',
  }),
  state_dir: str('', {
    description:
      'Where keys, the database and the audit log live. Empty: $STATE_DIRECTORY (systemd), else $XDG_STATE_HOME/tailwarden, else ~/.local/state/tailwarden.',
    env: 'TAILWARDEN_STATE_DIR',
  }),
  roles: z
    .record(z.string().regex(/^[a-z][a-z0-9_-]*$/), z.array(permissionName))
    .meta({
      description: 'Role name → permissions. Replaces the built-in roles (viewer, operator, admin) when set.',
      format: 'json',
    })
    .default(DEFAULT_ROLES),
  auth: authSection,
  tools: toolsSection,
  policy: policyConfig,
  http: httpSection,
  dashboard: dashboardConfig,
  rate_limit: rateLimitSection,
  audit: auditSection,
  log: logSection,
  watch: watchConfig,
  modules: section(
    {
      system: systemConfig,
      docker: dockerConfig,
      tailscale: tailscaleConfig,
      ssh: sshConfig,
      proxmox: proxmoxConfig,
    },
    'Per-module settings.',
  ),
});

export type Config = z.output<typeof configSchema>;
export type ConfigInput = z.input<typeof configSchema>;
