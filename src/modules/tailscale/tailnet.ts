import { z } from 'zod';
import { formatArg } from '../../mcp/format.ts';
import { asRecord, pickString } from '../../tailscale/localapi.ts';
import { tailscaleTool } from './context.ts';

const readOnly = { permission: 'tailscale:read' as const, risk: 'low' as const, openWorld: true };

export const settingsGet = tailscaleTool({
  ...readOnly,
  name: 'tailscale_settings_get',
  title: 'Tailscale: Tailnet settings',
  description:
    'Tailnet-wide settings: device and user approval, key duration, auto-updates, HTTPS certificates, flow logs.',
  input: z.object({}),
  output: z.object({ settings: z.record(z.string(), z.unknown()) }),
  handler: async (_input, ctx) => {
    const { admin } = ctx.tailscale;
    const { value } = await admin.json({
      path: admin.tailnetPath('/settings'),
      action: 'read the tailnet settings',
      scope: 'feature_settings:read',
      signal: ctx.signal,
    });
    return { settings: asRecord(value) };
  },
});

const user = z.object({
  id: z.string(),
  login_name: z.string(),
  display_name: z.string(),
  role: z.string(),
  status: z.string(),
  type: z.string().describe('member, or shared in from another tailnet'),
  last_seen: z.string(),
  device_count: z.number().int(),
});

export const usersList = tailscaleTool({
  ...readOnly,
  name: 'tailscale_users_list',
  title: 'Tailscale: List users',
  description: 'Users of the tailnet with role, status, type (member or shared), last seen and device count.',
  input: z.object({ format: formatArg }),
  output: z.object({ users: z.array(user) }),
  handler: async (_input, ctx) => {
    const { admin } = ctx.tailscale;
    const { value } = await admin.json({
      path: admin.tailnetPath('/users'),
      action: 'list users',
      scope: 'users:read',
      signal: ctx.signal,
    });
    const raw = asRecord(value).users;
    return {
      users: (Array.isArray(raw) ? raw : []).map(asRecord).map((u) => ({
        id: pickString(u, 'id'),
        login_name: pickString(u, 'loginName'),
        display_name: pickString(u, 'displayName'),
        role: pickString(u, 'role'),
        status: pickString(u, 'status'),
        type: pickString(u, 'type'),
        last_seen: pickString(u, 'lastSeen'),
        device_count: typeof u.deviceCount === 'number' ? u.deviceCount : 0,
      })),
    };
  },
});

export const tailnetTools = [settingsGet, usersList];
