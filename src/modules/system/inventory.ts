import { z } from 'zod';
import { GatewayError } from '../../errors.ts';
import { formatArg } from '../../mcp/format.ts';
import type { ToolContext } from '../../mcp/tool.ts';
import { loadDockerode } from '../../util/lazy-require.ts';
import { identifyApp } from './app-signatures.ts';
import { type SystemContext, systemTool } from './context.ts';
import type { ScannedItem } from './inventory-store.ts';
import { readSockets } from './sockets.ts';

type Ctx = ToolContext & SystemContext;

async function scanUnits(ctx: Ctx): Promise<ScannedItem[]> {
  const r = await ctx.system.runner.run(
    ['systemctl', 'list-units', '--type=service', '--state=running', '--no-pager', '--output=json'],
    { timeoutMs: ctx.system.config.command_timeout, signal: ctx.signal, outputCap: 4 * 1024 * 1024 },
  );
  if (r.code !== 0) throw new Error(r.stderr.trim() || `systemctl exit ${r.code}`);
  const units = JSON.parse(r.stdout || '[]') as { unit: string; description: string; sub: string }[];
  return units.map((u) => ({
    id: `unit:${u.unit}`,
    kind: 'unit' as const,
    name: u.unit,
    app: identifyApp({ unit: u.unit }),
    detail: { description: u.description, state: u.sub },
  }));
}

async function scanPorts(ctx: Ctx): Promise<ScannedItem[]> {
  const sockets = await readSockets(ctx.system.runner, ctx.signal, ctx.system.config.command_timeout);
  const seen = new Map<string, ScannedItem>();
  for (const s of sockets.filter((x) => x.state === 'LISTEN')) {
    const id = `port:${s.protocol}/${s.local_port}`;
    const existing = seen.get(id);
    if (existing) {
      (existing.detail.addresses as string[]).push(s.local_address);
      continue;
    }
    seen.set(id, {
      id,
      kind: 'port',
      name: `${s.protocol}/${s.local_port}`,
      app: identifyApp({ process: s.process, port: s.local_port }),
      detail: { addresses: [s.local_address], process: s.process, pid: s.pid },
    });
  }
  return [...seen.values()];
}

async function scanContainers(): Promise<ScannedItem[]> {
  const Docker = loadDockerode();
  const docker = new Docker();
  const containers = await docker.listContainers({ all: true });
  return containers.map((c) => {
    const name = (c.Names[0] ?? c.Id).replace(/^\//, '');
    return {
      id: `container:${name}`,
      kind: 'container' as const,
      name,
      app: identifyApp({ image: c.Image }),
      detail: {
        image: c.Image,
        state: c.State,
        status: c.Status,
        ports: c.Ports.filter((p) => p.PublicPort).map((p) => `${p.PublicPort}->${p.PrivatePort}/${p.Type}`),
      },
    };
  });
}

const itemSchema = z.object({
  id: z.string(),
  kind: z.string(),
  name: z.string(),
  app: z.string().nullable(),
  detected_app: z.string().nullable(),
  detail: z.record(z.string(), z.unknown()),
  note: z.string().nullable(),
  hidden: z.boolean(),
  present: z.boolean(),
  first_seen: z.string(),
  last_seen: z.string(),
});

export const inventoryScan = systemTool({
  name: 'inventory_scan',
  title: 'Inventory: Scan host',
  description:
    'Find what runs on this host (running systemd services, listening ports, Docker containers), recognise common homelab apps, and store the result; notes and corrections are kept. Readers see the stored result with inventory_list.',
  // It rewrites the stored inventory (and marks what a failed source did not report as
  // absent), so it is a write: a reader must not be able to change what others see.
  permission: 'system:write',
  risk: 'low',
  readOnly: false,
  idempotent: true,
  input: z.object({ format: formatArg }),
  output: z.object({
    items: z.array(itemSchema),
    apps: z.array(z.string()).describe('Distinct apps recognised'),
    sources: z.record(z.string(), z.string()).describe('Each source: "ok" or why it was skipped'),
  }),
  handler: async (_input, ctx) => {
    const sources: Record<string, string> = {};
    const found: ScannedItem[] = [];
    for (const [name, scan] of [
      ['systemd', () => scanUnits(ctx)],
      ['sockets', () => scanPorts(ctx)],
      ['docker', () => scanContainers()],
    ] as const) {
      try {
        found.push(...(await scan()));
        sources[name] = 'ok';
      } catch (error) {
        sources[name] =
          `skipped: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`.slice(0, 200);
      }
    }
    if (found.length === 0 && Object.values(sources).every((s) => s !== 'ok'))
      throw new GatewayError(
        'ERR_UPSTREAM_UNAVAILABLE',
        `No inventory source worked: ${JSON.stringify(sources)}`,
      );
    ctx.system.inventory.record(found);
    const items = ctx.system.inventory.list();
    const apps = [...new Set(items.flatMap((i) => (i.app ? [i.app] : [])))].sort();
    return { items, apps, sources };
  },
});

export const inventoryList = systemTool({
  name: 'inventory_list',
  title: 'Inventory: List',
  description:
    'The stored inventory of this host (from the last inventory_scan), with notes and corrections.',
  permission: 'system:read',
  risk: 'low',
  input: z.object({
    include_hidden: z.boolean().default(false).describe('Also list items marked hidden'),
    include_absent: z.boolean().default(false).describe('Also items not seen in the last scan'),
    format: formatArg,
  }),
  output: z.object({ items: z.array(itemSchema) }),
  handler: ({ include_hidden, include_absent }, { system }) => ({
    items: system.inventory.list({ includeHidden: include_hidden, includeAbsent: include_absent }),
  }),
});

export const inventoryAnnotate = systemTool({
  name: 'inventory_annotate',
  title: 'Inventory: Add note or correct',
  description:
    'Attach a note to an inventory item, correct which app it is, or hide it from the list. Pass null to clear a field.',
  permission: 'system:write',
  risk: 'low',
  readOnly: false,
  idempotent: true,
  input: z.object({
    id: z.string().min(1).max(300).describe('Item id from inventory_list, e.g. "unit:nginx.service"'),
    note: z
      .string()
      .max(2000)
      .nullable()
      .optional()
      .describe('A note to keep with the item; null removes it'),
    app: z.string().max(100).nullable().optional().describe('The app this really is'),
    hidden: z.boolean().optional().describe('Hide (true) or show (false) the item in inventory_list'),
  }),
  output: itemSchema,
  handler: ({ id, note, app, hidden }, { system }) => {
    if (!system.inventory.get(id))
      throw new GatewayError(
        'ERR_NOT_FOUND',
        `No inventory item "${id}"; run inventory_scan, then use an id from inventory_list.`,
      );
    system.inventory.annotate(id, { note, app, hidden });
    return system.inventory.get(id)!;
  },
});

const identitySchema = z.object({
  hostname: z.string(),
  display_name: z.string(),
  virtualization: z.string(),
  proxmox_ct_id: z.number().nullable(),
  os: z.string(),
});

export async function identityOf({ system }: SystemContext) {
  const identity = await system.identity;
  return {
    hostname: identity.hostname,
    display_name: system.inventory.identityValue('display_name') ?? identity.hostname,
    virtualization: identity.virtualization.technology ?? identity.virtualization.kind,
    proxmox_ct_id: identity.virtualization.proxmox_ct_id ?? null,
    os: `${identity.os.distro} ${identity.os.release}`.trim(),
  };
}

export const inventoryIdentity = systemTool({
  name: 'inventory_identity',
  title: 'Inventory: Host identity',
  description: 'Who this host is: hostname, display name, virtualization and Proxmox container id, OS.',
  permission: 'system:read',
  risk: 'low',
  input: z.object({}),
  output: identitySchema,
  handler: (_input, ctx) => identityOf(ctx),
});

export const inventoryIdentitySet = systemTool({
  name: 'inventory_identity_set',
  title: 'Inventory: Set display name',
  description: 'Give this host a display name (e.g. "media server"); null returns to the hostname.',
  permission: 'system:write',
  risk: 'low',
  readOnly: false,
  idempotent: true,
  input: z.object({
    display_name: z
      .string()
      .min(1)
      .max(100)
      .nullable()
      .describe('Name to show for this host; null returns to the hostname'),
  }),
  output: identitySchema,
  handler: ({ display_name }, ctx) => {
    ctx.system.inventory.setIdentityValue('display_name', display_name);
    return identityOf(ctx);
  },
});

export const inventoryTools = [
  inventoryScan,
  inventoryList,
  inventoryAnnotate,
  inventoryIdentity,
  inventoryIdentitySet,
];
