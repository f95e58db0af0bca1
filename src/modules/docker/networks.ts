import { z } from 'zod';
import { formatArg } from '../../mcp/format.ts';
import { knownTime } from '../../util/placeholders.ts';
import { dockerTool } from './context.ts';
import { containerName, engineCall, inspectNetwork, inspectVolume } from './engine.ts';

const ref = z.string().min(1).max(200);

export const networkList = dockerTool({
  name: 'docker_network_list',
  title: 'Docker: List networks',
  description: 'Networks on this engine with driver, scope, subnets and how many containers are attached.',
  permission: 'docker:read',
  risk: 'low',
  input: z.object({ format: formatArg }),
  output: z.object({
    networks: z.array(
      z.object({
        id: z.string(),
        name: z.string(),
        driver: z.string(),
        scope: z.string(),
        subnets: z.string(),
        internal: z.boolean(),
      }),
    ),
    count: z.number().int(),
  }),
  handler: async (_input, ctx) => {
    const list = await engineCall(ctx, 'list networks', (e) => e.listNetworks({ abortSignal: ctx.signal }));
    const networks = list
      .map((n) => ({
        id: n.Id.slice(0, 12),
        name: n.Name,
        driver: n.Driver,
        scope: n.Scope,
        subnets: (n.IPAM?.Config ?? [])
          .map((c) => c.Subnet)
          .filter(Boolean)
          .join(', '),
        internal: Boolean(n.Internal),
      }))
      .sort((a, b) => a.name.localeCompare(b.name));
    return { networks, count: networks.length };
  },
});

interface NetworkInspect {
  Id: string;
  Name: string;
  Driver: string;
  Scope: string;
  Internal?: boolean;
  Created?: string;
  IPAM?: { Config?: { Subnet?: string; Gateway?: string }[] };
  Containers?: Record<string, { Name: string; IPv4Address: string }>;
  Labels?: Record<string, string>;
}

export const networkInspect = dockerTool({
  name: 'docker_network_inspect',
  title: 'Docker: Inspect network',
  description:
    'One network: driver, subnets and gateways, labels, and the containers attached with their addresses.',
  permission: 'docker:read',
  risk: 'low',
  input: z.object({ network: ref.describe('Network id or name') }),
  output: z.object({
    id: z.string(),
    name: z.string(),
    driver: z.string(),
    scope: z.string(),
    internal: z.boolean(),
    created: z.string().nullable(),
    ipam: z.array(z.object({ subnet: z.string(), gateway: z.string() })),
    containers: z.array(z.object({ name: z.string(), address: z.string() })),
    labels: z.record(z.string(), z.string()),
  }),
  handler: async ({ network }, ctx) => {
    const n = (await inspectNetwork(ctx, network)) as unknown as NetworkInspect;
    return {
      id: n.Id,
      name: n.Name,
      driver: n.Driver,
      scope: n.Scope,
      internal: Boolean(n.Internal),
      created: knownTime(n.Created),
      ipam: (n.IPAM?.Config ?? []).map((c) => ({ subnet: c.Subnet ?? '', gateway: c.Gateway ?? '' })),
      containers: Object.values(n.Containers ?? {}).map((c) => ({
        name: containerName(c.Name),
        address: c.IPv4Address,
      })),
      labels: n.Labels ?? {},
    };
  },
});

export const volumeList = dockerTool({
  name: 'docker_volume_list',
  title: 'Docker: List volumes',
  description: 'Volumes on this engine with driver, mount point and compose project.',
  permission: 'docker:read',
  risk: 'low',
  input: z.object({
    dangling: z
      .boolean()
      .optional()
      .describe('Only volumes no container uses (true) or only used ones (false)'),
    format: formatArg,
  }),
  output: z.object({
    volumes: z.array(
      z.object({ name: z.string(), driver: z.string(), mountpoint: z.string(), project: z.string() }),
    ),
    count: z.number().int(),
  }),
  handler: async ({ dangling }, ctx) => {
    const filters: Record<string, string[]> = dangling === undefined ? {} : { dangling: [String(dangling)] };
    const result = await engineCall(ctx, 'list volumes', (e) =>
      e.listVolumes({ filters, abortSignal: ctx.signal }),
    );
    const volumes = (result.Volumes ?? [])
      .map((v) => ({
        name: v.Name,
        driver: v.Driver,
        mountpoint: v.Mountpoint,
        project: v.Labels?.['com.docker.compose.project'] ?? '',
      }))
      .sort((a, b) => a.name.localeCompare(b.name));
    return { volumes, count: volumes.length };
  },
});

interface VolumeInspect {
  Name: string;
  Driver: string;
  Mountpoint: string;
  CreatedAt?: string;
  Scope?: string;
  Labels?: Record<string, string> | null;
  Options?: Record<string, string> | null;
}

export const volumeInspect = dockerTool({
  name: 'docker_volume_inspect',
  title: 'Docker: Inspect volume',
  description: 'One volume: driver, mount point, labels, options, and the containers that mount it.',
  permission: 'docker:read',
  risk: 'low',
  input: z.object({ volume: ref.describe('Volume name') }),
  output: z.object({
    name: z.string(),
    driver: z.string(),
    mountpoint: z.string(),
    created: z.string().nullable(),
    scope: z.string(),
    labels: z.record(z.string(), z.string()),
    options: z.record(z.string(), z.string()),
    used_by: z.array(z.string()),
  }),
  handler: async ({ volume }, ctx) => {
    const v = (await inspectVolume(ctx, volume)) as unknown as VolumeInspect;
    const users = await engineCall(ctx, 'list containers', (e) =>
      e.listContainers({ all: true, filters: { volume: [v.Name] }, abortSignal: ctx.signal }),
    );
    return {
      name: v.Name,
      driver: v.Driver,
      mountpoint: v.Mountpoint,
      created: knownTime(v.CreatedAt),
      scope: v.Scope ?? '',
      labels: v.Labels ?? {},
      options: v.Options ?? {},
      used_by: users.map((c) => containerName(c.Names[0])),
    };
  },
});
