import { z } from 'zod';
import { GatewayError } from '../../errors.ts';
import { FLEET_URI } from '../../mcp/apps/index.ts';
import type { Risk } from '../../mcp/tool.ts';
import type { LoadedEntry } from './catalog/load.ts';
import { renderArgv } from './catalog/render.ts';
import type { CatalogParameter } from './catalog/schema.ts';
import { sshTool } from './context.ts';
import { hostCandidates } from './discovery.ts';
import { fleetPickHost } from './placement.ts';
import { fleetStatus, hostStatusSchema } from './status.ts';

const hostName = z.string().min(1).max(63).describe('Host name from ssh_hosts_list');

export const hostsList = sshTool({
  name: 'ssh_hosts_list',
  title: 'SSH: List hosts',
  description:
    'The hosts this gateway reaches over SSH: address, user, tags, whether the host key is pinned, whether Docker over SSH is enabled, and the pooled connection state (connected, down and why). Tailnet devices with the discovery tag that are not configured yet appear as candidates (never trusted).',
  permission: 'ssh:read',
  risk: 'low',
  input: z.object({}),
  output: z.object({
    hosts: z.array(
      z.object({
        name: z.string(),
        address: z.string(),
        user: z.string(),
        tags: z.array(z.string()),
        pinned: z.boolean(),
        pin_source: z.enum(['config', 'trust-store']).nullable(),
        docker: z.boolean(),
        connected: z.boolean(),
        down: z.boolean(),
        down_reason: z.string().optional(),
      }),
    ),
    candidates: z.array(
      z.object({ name: z.string(), address: z.string(), online: z.boolean(), tags: z.array(z.string()) }),
    ),
  }),
  handler: async (_input, { ssh, signal }) => {
    const hosts = ssh.hosts.all().map((host) => {
      const state = ssh.pool.status(host.name);
      return {
        name: host.name,
        address: `${host.address}:${host.port}`,
        user: host.user,
        tags: host.tags,
        pinned: !!host.pin,
        pin_source: host.pin?.source ?? null,
        docker: host.docker,
        connected: state.connected,
        down: state.down,
        ...(state.reason ? { down_reason: state.reason } : {}),
      };
    });
    const tag = ssh.settings.discovery_tag;
    const devices = tag && ssh.deviceSource ? await ssh.deviceSource.listDevices(signal) : [];
    return { hosts, candidates: tag ? hostCandidates(devices, tag, ssh.settings.hosts) : [] };
  },
});

export const hostCheck = sshTool({
  name: 'ssh_host_check',
  title: 'SSH: Check host',
  description:
    'Check one host: is sshd reachable, does its host key match the pinned fingerprint, can the gateway log in, and the round-trip latency of a no-op command.',
  permission: 'ssh:read',
  risk: 'low',
  openWorld: true,
  input: z.object({ host: hostName }),
  validate: ({ host }, { ssh }) => void ssh.hosts.get(host),
  output: z.object({
    host: z.string(),
    address: z.string(),
    reachable: z.boolean(),
    pinned_fingerprint: z.string().nullable(),
    presented_fingerprint: z.string().nullable(),
    key_matches: z.boolean(),
    login_ok: z.boolean(),
    latency_ms: z.number().nullable(),
    error: z.string().optional(),
  }),
  handler: ({ host }, { ssh, signal }) => ssh.check(host, signal),
});

function describeParameter(spec: CatalogParameter): Record<string, unknown> {
  const {
    allow_leading_dash: _d,
    allow_newlines: _n,
    ...rest
  } = spec as CatalogParameter & {
    allow_leading_dash?: boolean;
    allow_newlines?: boolean;
  };
  return rest;
}

/** Which tool runs an entry of a given risk: the tool's own risk is never below the entry's. */
export function runnerFor(risk: Risk): string {
  if (risk === 'low') return 'ssh_command_run';
  if (risk === 'critical') return 'ssh_command_run_critical';
  return 'ssh_command_exec';
}

export const commandsList = sshTool({
  name: 'ssh_commands_list',
  title: 'SSH: List catalog commands',
  description:
    'The command catalog: what each command does, its parameters (type, allowed values, pattern, range, path roots, default), the permission and risk it needs, and which tool runs it.',
  permission: 'ssh:read',
  risk: 'low',
  input: z.object({}),
  output: z.object({
    commands: z.array(
      z.object({
        name: z.string(),
        description: z.string(),
        parameters: z.record(z.string(), z.record(z.string(), z.unknown())),
        permission: z.string(),
        risk: z.string(),
        tool: z.string(),
        sudo: z.boolean(),
      }),
    ),
  }),
  handler: (_input, { ssh }) => ({
    commands: ssh.catalog.list().map((entry) => ({
      name: entry.name,
      description: entry.description,
      parameters: Object.fromEntries(
        Object.entries(entry.parameters).map(([name, spec]) => [name, describeParameter(spec)]),
      ),
      permission: entry.permission,
      risk: entry.risk,
      tool: runnerFor(entry.risk),
      sudo: entry.sudo,
    })),
  }),
});

const runInput = z.object({
  host: hostName,
  command: z.string().min(1).max(64).describe('Command name from ssh_commands_list'),
  parameters: z
    .record(z.string(), z.union([z.string().max(4096), z.number()]))
    .default({})
    .describe('The command parameters, by name'),
});

const runOutput = z.object({
  host: z.string(),
  command: z.string(),
  argv: z.array(z.string()).describe('What ran, one literal argument per element'),
  exit_code: z.number().nullable(),
  exit_signal: z.string().nullable(),
  stdout: z.string(),
  stderr: z.string(),
  truncated: z
    .boolean()
    .describe(
      "Output reached the cap (modules.ssh.output_cap or the entry's own); the command was stopped there",
    ),
  duration_ms: z.number(),
});

function allowedEntry(entry: LoadedEntry, accepts: readonly Risk[], held: ReadonlySet<string>): LoadedEntry {
  if (!accepts.includes(entry.risk)) {
    throw new GatewayError(
      'ERR_POLICY_DENIED',
      `"${entry.name}" is a ${entry.risk}-risk command; run it with ${runnerFor(entry.risk)}.`,
    );
  }
  if (!held.has(entry.permission)) {
    throw new GatewayError(
      'ERR_PERMISSION_DENIED',
      `"${entry.name}" needs the ${entry.permission} permission, which you do not hold.`,
      { details: { required: entry.permission } },
    );
  }
  return entry;
}

function makeRunner(name: string, risk: Risk, accepts: readonly Risk[], title: string, description: string) {
  return sshTool({
    name,
    title,
    description,
    permission: risk === 'low' ? 'ssh:read' : 'ssh:exec',
    risk,
    openWorld: true,
    input: runInput,
    output: runOutput,
    summarize: ({ host, command, parameters }) =>
      `Run catalog command "${command}" on host "${host}" with ${JSON.stringify(parameters)}.`,
    // Host, command, its risk and permission, and every parameter against the catalog: all before the
    // risk rule, so no confirmation or approval is ever asked for a command that could not run.
    validate: ({ host, command, parameters }, { ssh, principal }) => {
      ssh.hosts.get(host);
      const entry = allowedEntry(ssh.entry(command), accepts, principal.permissions);
      renderArgv(entry, parameters);
    },
    handler: ({ host, command, parameters }, { ssh, signal, principal }) => {
      const entry = allowedEntry(ssh.entry(command), accepts, principal.permissions);
      return ssh.run(host, entry, parameters, signal);
    },
  });
}

export const commandRun = makeRunner(
  'ssh_command_run',
  'low',
  ['low'],
  'SSH: Run read-only command',
  'Run a low-risk (read-only) catalog command on a host, e.g. disk_usage, memory, service_status. Parameters are checked against the catalog and each is passed as one literal argument; no shell string is ever built from them.',
);

export const commandExec = makeRunner(
  'ssh_command_exec',
  'high',
  ['moderate', 'high'],
  'SSH: Run changing command',
  'Run a moderate- or high-risk catalog command on a host (e.g. restarting a service, when the catalog defines one). Same checks as ssh_command_run, plus the confirmation the gateway policy requires.',
);

export const commandRunCritical = makeRunner(
  'ssh_command_run_critical',
  'critical',
  ['critical'],
  'SSH: Run critical command',
  'Run a critical-risk catalog command on a host (e.g. a reboot, when the catalog defines one). Needs the approval the gateway policy requires for critical tools.',
);

export const fleetStatusTool = sshTool({
  name: 'fleet_status',
  title: 'Fleet: Status of every host',
  description:
    'Uptime, load, memory, disks and failed systemd units of every configured host (or those with a tag), gathered in parallel with a per-host timeout. Hosts that did not answer are listed in not_answered with the reason.',
  permission: 'ssh:read',
  risk: 'low',
  openWorld: true,
  input: z.object({ tag: z.string().min(1).optional().describe('Only hosts with this tag') }),
  output: z.object({ hosts: z.array(hostStatusSchema), not_answered: z.array(z.string()) }),
  ui: FLEET_URI,
  handler: ({ tag }, { ssh, signal }) => {
    const names = ssh.hosts
      .all()
      .filter((h) => !tag || h.tags.includes(tag))
      .map((h) => h.name);
    return fleetStatus(ssh, names, ssh.settings.fleet_timeout, signal);
  },
});

export const sshTools = [
  hostsList,
  hostCheck,
  commandsList,
  commandRun,
  commandExec,
  commandRunCritical,
  fleetStatusTool,
  fleetPickHost,
];
