import type Docker from 'dockerode';
import { z } from 'zod';
import { CONTAINERS_URI } from '../../mcp/apps/index.ts';
import { formatArg } from '../../mcp/format.ts';
import { knownTime } from '../../util/placeholders.ts';
import { dockerTool } from './context.ts';
import { containerName, engineCall, inspectContainer } from './engine.ts';

export const COMPOSE_PROJECT = 'com.docker.compose.project';
export const COMPOSE_SERVICE = 'com.docker.compose.service';

const STATES = ['created', 'restarting', 'running', 'removing', 'paused', 'exited', 'dead'] as const;

const containerRow = z.object({
  id: z.string(),
  name: z.string(),
  image: z.string(),
  state: z.string(),
  status: z.string().describe('Human status, e.g. "Up 2 hours (healthy)"'),
  health: z.string().describe('healthy, unhealthy, starting, or "" without a healthcheck'),
  created: z.string(),
  ports: z.string().describe('Published ports, comma separated'),
  project: z.string().describe('Compose project, or ""'),
  service: z.string().describe('Compose service, or ""'),
});

function portsText(ports: Docker.Port[]): string {
  const seen = new Set<string>();
  for (const p of ports) {
    seen.add(
      p.PublicPort
        ? `${p.IP ?? ''}:${p.PublicPort}->${p.PrivatePort}/${p.Type}`
        : `${p.PrivatePort}/${p.Type}`,
    );
  }
  return [...seen].join(', ');
}

function healthOf(status: string): string {
  return /\((healthy|unhealthy|health: starting)\)/.exec(status)?.[1]?.replace('health: ', '') ?? '';
}

export function containerRowOf(c: Docker.ContainerInfo): z.input<typeof containerRow> {
  return {
    id: c.Id.slice(0, 12),
    name: containerName(c.Names[0]),
    image: c.Image,
    state: c.State,
    status: c.Status,
    health: healthOf(c.Status),
    created: new Date(c.Created * 1000).toISOString(),
    ports: portsText(c.Ports ?? []),
    project: c.Labels?.[COMPOSE_PROJECT] ?? '',
    service: c.Labels?.[COMPOSE_SERVICE] ?? '',
  };
}

export const containerList = dockerTool({
  name: 'docker_container_list',
  title: 'Docker: List containers',
  description:
    'Containers on this Docker engine (running only, unless all is true), with state, health, ports and compose project. Filter by name, label, state or compose project; state "restarting" answers "what is restarting?".',
  permission: 'docker:read',
  risk: 'low',
  input: z.object({
    all: z.boolean().default(false).describe('Include stopped containers'),
    name: z.string().max(200).optional().describe('Only containers whose name contains this'),
    label: z
      .array(z.string().min(1).max(300))
      .max(20)
      .optional()
      .describe('Only containers with these labels ("key" or "key=value")'),
    state: z.enum(STATES).optional().describe('Only containers in this state (implies all)'),
    project: z.string().max(200).optional().describe('Only containers of this compose project'),
    format: formatArg,
  }),
  output: z.object({ containers: z.array(containerRow), count: z.number().int() }),
  ui: CONTAINERS_URI,
  handler: async ({ all, name, label, state, project }, ctx) => {
    const filters: Record<string, string[]> = {};
    if (name) filters.name = [name];
    if (state) filters.status = [state];
    const labels = [...(label ?? []), ...(project ? [`${COMPOSE_PROJECT}=${project}`] : [])];
    if (labels.length > 0) filters.label = labels;
    const list = await engineCall(ctx, 'list containers', (e) =>
      e.listContainers({ all: all || Boolean(state), filters, abortSignal: ctx.signal }),
    );
    const containers = list.map(containerRowOf).sort((a, b) => a.name.localeCompare(b.name));
    return { containers, count: containers.length };
  },
});

const mountRow = z.object({
  type: z.string(),
  source: z.string(),
  destination: z.string(),
  mode: z.string(),
  rw: z.boolean(),
  name: z.string().optional(),
});

export const containerInspect = dockerTool({
  name: 'docker_container_inspect',
  title: 'Docker: Inspect container',
  description:
    'Configuration and state of one container: image, command, environment, mounts, networks, ports, restart policy, health, labels. Secret values (passwords, tokens, keys, URL passwords) are masked unless you hold secrets:read.',
  permission: 'docker:read',
  risk: 'low',
  input: z.object({ container: z.string().min(1).max(200).describe('Container id or name') }),
  output: z.object({
    id: z.string(),
    name: z.string(),
    image: z.string(),
    image_id: z.string(),
    created: z.string(),
    state: z.object({
      status: z.string(),
      running: z.boolean(),
      paused: z.boolean(),
      restarting: z.boolean(),
      exit_code: z.number().int(),
      error: z.string(),
      started_at: z.string().nullable().describe('Absent when it never started'),
      finished_at: z.string().nullable().describe('Absent when it has not stopped since it started'),
      health: z.string(),
      oom_killed: z.boolean(),
    }),
    restart_policy: z.string(),
    restart_count: z.number().int(),
    command: z.array(z.string()),
    entrypoint: z.array(z.string()),
    env: z.array(z.string()).describe('NAME=value; secret values are [secret: N chars] without secrets:read'),
    labels: z.record(z.string(), z.string()),
    mounts: z.array(mountRow),
    networks: z.record(z.string(), z.object({ ip: z.string(), aliases: z.array(z.string()) })),
    ports: z.record(z.string(), z.array(z.string())),
    healthcheck: z.array(z.string()).describe('The healthcheck test, or [] without one'),
  }),
  handler: async ({ container }, ctx) => {
    const info = await inspectContainer(ctx, container);
    const asList = (v: string | string[] | null | undefined) => (v == null ? [] : Array.isArray(v) ? v : [v]);
    const ports: Record<string, string[]> = {};
    for (const [port, bindings] of Object.entries(info.NetworkSettings?.Ports ?? {})) {
      ports[port] = (bindings ?? []).map((b) => `${b.HostIp}:${b.HostPort}`);
    }
    const networks: Record<string, { ip: string; aliases: string[] }> = {};
    for (const [net, settings] of Object.entries(info.NetworkSettings?.Networks ?? {})) {
      networks[net] = { ip: settings.IPAddress ?? '', aliases: settings.Aliases ?? [] };
    }
    const policy = info.HostConfig?.RestartPolicy;
    return {
      id: info.Id,
      name: containerName(info.Name),
      image: info.Config.Image,
      image_id: info.Image,
      created: info.Created,
      state: {
        status: info.State.Status,
        running: info.State.Running,
        paused: info.State.Paused,
        restarting: info.State.Restarting,
        exit_code: info.State.ExitCode,
        error: info.State.Error ?? '',
        started_at: knownTime(info.State.StartedAt),
        // Docker keeps the last stop time while a container runs again; it answers no question then.
        finished_at: info.State.Running ? null : knownTime(info.State.FinishedAt),
        health: info.State.Health?.Status ?? '',
        oom_killed: info.State.OOMKilled,
      },
      restart_policy: policy?.Name
        ? `${policy.Name}${policy.MaximumRetryCount ? `:${policy.MaximumRetryCount}` : ''}`
        : 'no',
      restart_count: info.RestartCount,
      command: asList(info.Config.Cmd),
      entrypoint: asList(info.Config.Entrypoint as string | string[] | undefined),
      env: info.Config.Env ?? [],
      labels: info.Config.Labels ?? {},
      mounts: (info.Mounts ?? []).map((m) => ({
        type: m.Type ?? '',
        source: m.Source,
        destination: m.Destination,
        mode: m.Mode,
        rw: m.RW,
        ...(m.Name ? { name: m.Name } : {}),
      })),
      networks,
      ports,
      healthcheck: info.Config.Healthcheck?.Test ?? [],
    };
  },
});
