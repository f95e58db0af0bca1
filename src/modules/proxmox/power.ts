import { z } from 'zod';
import { GatewayError } from '../../errors.ts';
import type { Params } from './client.ts';
import { clusterArg } from './clusters.ts';
import { proxmoxTool } from './context.ts';
import { type Guest, vmidArg } from './model.ts';
import { findGuest } from './resources.ts';
import { allowSelfArg, refuseSelf } from './self.ts';
import { runTask, type TaskOutcome, taskOutcomeSchema, waitArg } from './tasks.ts';

export const guestActionOutput = z.object({
  cluster: z.string(),
  vmid: z.number(),
  name: z.string(),
  node: z.string(),
  type: z.enum(['qemu', 'lxc']),
  task: taskOutcomeSchema.optional().describe('The Proxmox task; absent when there was nothing to do'),
});

/** What a guest action answers: which guest, where it runs, and the task it started (if any). */
export function guestActionResult<E extends Record<string, unknown> = Record<never, never>>(
  cluster: string,
  guest: Pick<Guest, 'vmid' | 'name' | 'node' | 'type'>,
  task: TaskOutcome | undefined,
  extra?: E,
) {
  return {
    cluster,
    vmid: guest.vmid,
    name: guest.name,
    node: guest.node,
    type: guest.type,
    ...(extra as E),
    task,
  };
}

const where = (cluster: string | undefined) => (cluster ? ` on cluster ${cluster}` : '');

interface PowerSpec {
  action: 'start' | 'shutdown' | 'reboot' | 'suspend' | 'resume' | 'stop' | 'reset';
  title: string;
  description: string;
  risk: 'moderate' | 'high';
  /** The gateway's own guest is refused unless allow_self is set. */
  protectSelf: boolean;
  qemuOnly?: boolean;
  extra?: z.ZodRawShape;
  params?: (input: Record<string, unknown>, guest: Guest) => Params;
  summarize: (input: { vmid: number; cluster?: string } & Record<string, unknown>) => string;
}

function powerTool(spec: PowerSpec) {
  const base = {
    cluster: clusterArg,
    vmid: vmidArg,
    wait: waitArg,
    ...(spec.protectSelf ? { allow_self: allowSelfArg } : {}),
    ...spec.extra,
  };
  return proxmoxTool({
    name: `proxmox_guest_${spec.action}`,
    title: spec.title,
    description: spec.description,
    permission: spec.risk === 'high' ? 'proxmox:admin' : 'proxmox:write',
    risk: spec.risk,
    // Every one of them interrupts whatever the guest is doing.
    destructive: spec.action !== 'start' && spec.action !== 'resume',
    openWorld: true,
    input: z.object(base),
    output: guestActionOutput,
    summarize: (input) =>
      spec.summarize(input as { vmid: number; cluster?: string }) +
      ((input as { allow_self?: boolean }).allow_self
        ? ' Allowed even if it is the guest this gateway runs in.'
        : ''),
    handler: async (input, ctx) => {
      const args = input as Record<string, unknown> & { vmid: number; cluster?: string; wait?: number };
      const { client, guest, path } = await findGuest(ctx, args.cluster, args.vmid);
      if (spec.protectSelf) refuseSelf(ctx.proxmox.self, guest, spec.action, args.allow_self === true);
      if (spec.qemuOnly && guest.type !== 'qemu') {
        throw new GatewayError(
          'ERR_INPUT_REJECTED',
          `Guest ${guest.vmid} is a container; ${spec.action} exists for virtual machines only. Use proxmox_guest_reboot or proxmox_guest_stop.`,
        );
      }
      const task = await runTask(
        ctx,
        client,
        {
          method: 'POST',
          path: `${path}/status/${spec.action}`,
          params: spec.params?.(args, guest),
          node: guest.node,
        },
        { what: `${spec.action} guest ${guest.vmid}`, stoppable: true, waitSeconds: args.wait },
      );
      return guestActionResult(client.name, guest, task);
    },
  });
}

const timeoutArg = (what: string, fallback: number) =>
  z.number().int().min(1).max(3600).default(fallback).describe(`Seconds the guest has to ${what}`);

export const guestStart = powerTool({
  action: 'start',
  title: 'Proxmox: Start guest',
  description: 'Start a stopped virtual machine or container, following the start task with progress.',
  risk: 'moderate',
  protectSelf: false,
  summarize: ({ vmid, cluster }) => `Start guest ${vmid}${where(cluster)}.`,
});

export const guestShutdown = powerTool({
  action: 'shutdown',
  title: 'Proxmox: Shut down guest',
  description:
    'Shut a guest down cleanly (ACPI for VMs, init for containers), waiting up to timeout seconds. A guest that ignores it keeps running: proxmox_guest_stop is the hard way. The gateway’s own guest is refused unless allow_self is set.',
  risk: 'moderate',
  protectSelf: true,
  extra: { timeout: timeoutArg('shut down', 120) },
  params: ({ timeout }) => ({ timeout: timeout as number }),
  summarize: ({ vmid, cluster, timeout }) =>
    `Shut down guest ${vmid}${where(cluster)} cleanly (it has ${timeout} s).`,
});

export const guestReboot = powerTool({
  action: 'reboot',
  title: 'Proxmox: Reboot guest',
  description:
    'Reboot a guest cleanly (shutdown, then start), waiting up to timeout seconds for the shutdown. The gateway’s own guest is refused unless allow_self is set.',
  risk: 'moderate',
  protectSelf: true,
  extra: { timeout: timeoutArg('shut down before it starts again', 120) },
  params: ({ timeout }) => ({ timeout: timeout as number }),
  summarize: ({ vmid, cluster }) => `Reboot guest ${vmid}${where(cluster)}.`,
});

export const guestSuspend = powerTool({
  action: 'suspend',
  title: 'Proxmox: Suspend guest',
  description:
    'Pause a running guest in memory (VMs; containers need CRIU and may refuse). proxmox_guest_resume continues it. The gateway’s own guest is refused unless allow_self is set.',
  risk: 'moderate',
  protectSelf: true,
  summarize: ({ vmid, cluster }) => `Suspend (pause) guest ${vmid}${where(cluster)}.`,
});

export const guestResume = powerTool({
  action: 'resume',
  title: 'Proxmox: Resume guest',
  description: 'Continue a suspended (paused) guest.',
  risk: 'moderate',
  protectSelf: false,
  summarize: ({ vmid, cluster }) => `Resume guest ${vmid}${where(cluster)}.`,
});

export const guestStop = powerTool({
  action: 'stop',
  title: 'Proxmox: Stop guest (hard)',
  description:
    'Stop a guest at once, like pulling the power plug: unsaved data in it may be lost. Prefer proxmox_guest_shutdown. The gateway’s own guest is refused unless allow_self is set.',
  risk: 'high',
  protectSelf: true,
  extra: {
    overrule_shutdown: z
      .boolean()
      .default(false)
      .describe('Abort a shutdown task still running for this guest first (Proxmox VE 8.1+)'),
  },
  params: ({ overrule_shutdown }) => (overrule_shutdown ? { 'overrule-shutdown': true } : {}),
  summarize: ({ vmid, cluster }) =>
    `Stop guest ${vmid}${where(cluster)} at once (hard power-off, no clean shutdown).`,
});

export const guestReset = powerTool({
  action: 'reset',
  title: 'Proxmox: Reset VM (hard)',
  description:
    'Reset a virtual machine like its reset button: it restarts at once without a clean shutdown. VMs only. The gateway’s own guest is refused unless allow_self is set.',
  risk: 'high',
  protectSelf: true,
  qemuOnly: true,
  summarize: ({ vmid, cluster }) => `Reset VM ${vmid}${where(cluster)} (hard restart, no clean shutdown).`,
});

export const powerTools = [
  guestStart,
  guestShutdown,
  guestReboot,
  guestSuspend,
  guestResume,
  guestStop,
  guestReset,
];
