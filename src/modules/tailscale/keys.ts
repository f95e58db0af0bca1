import { z } from 'zod';
import { asRecord, pickString, pickStrings } from '../../tailscale/localapi.ts';
import { knownTime } from '../../util/placeholders.ts';
import { type TailscaleContext, tailscaleTool } from './context.ts';

type Ctx = TailscaleContext & { signal: AbortSignal };

const DAY_MS = 86_400_000;

const keySchema = z.object({
  id: z.string(),
  description: z.string(),
  created: z.string().nullable(),
  expires: z.string().nullable(),
  days_until_expiry: z.number().nullable(),
  reusable: z.boolean(),
  ephemeral: z.boolean(),
  preauthorized: z.boolean(),
  tags: z.array(z.string()),
});

export type AuthKey = z.infer<typeof keySchema>;

/** Parse one key defensively. The secret (`key`) is never copied here. */
export function toAuthKey(raw: unknown, now = Date.now()): AuthKey {
  const k = asRecord(raw);
  const create = asRecord(asRecord(asRecord(k.capabilities).devices).create);
  const expires = knownTime(pickString(k, 'expires'));
  return {
    id: pickString(k, 'id'),
    description: pickString(k, 'description'),
    created: knownTime(pickString(k, 'created')),
    expires,
    days_until_expiry: expires ? Math.floor((Date.parse(expires) - now) / DAY_MS) : null,
    reusable: create.reusable === true,
    ephemeral: create.ephemeral === true,
    preauthorized: create.preauthorized === true,
    tags: pickStrings(create, 'tags'),
  };
}

/** The list endpoint may carry only ids; details come per key, a few at a time. */
export async function listKeys(ctx: Ctx): Promise<AuthKey[]> {
  const { admin } = ctx.tailscale;
  const { value } = await admin.json({
    path: admin.tailnetPath('/keys'),
    action: 'list auth keys',
    scope: 'auth_keys:read',
    signal: ctx.signal,
  });
  const listed = (Array.isArray(asRecord(value).keys) ? (asRecord(value).keys as unknown[]) : []).map(
    asRecord,
  );
  const out: AuthKey[] = [];
  for (let i = 0; i < listed.length; i += 4) {
    const batch = listed.slice(i, i + 4).map(async (k) => {
      if (typeof k.expires === 'string') return toAuthKey(k);
      const id = pickString(k, 'id');
      const detail = await admin.json({
        path: admin.tailnetPath(`/keys/${encodeURIComponent(id)}`),
        action: `read auth key ${id}`,
        scope: 'auth_keys:read',
        signal: ctx.signal,
      });
      return toAuthKey(detail.value);
    });
    out.push(...(await Promise.all(batch)));
  }
  return out;
}

export const keysList = tailscaleTool({
  name: 'tailscale_keys_list',
  title: 'Tailscale: List auth keys',
  description:
    'Auth keys of the tailnet with their expiry and what devices they create (reusable, ephemeral, preauthorized, tags). No secrets.',
  permission: 'tailscale:read',
  risk: 'low',
  openWorld: true,
  input: z.object({
    expiring_days: z
      .number()
      .int()
      .min(0)
      .max(3650)
      .optional()
      .describe('Only keys expiring within this many days'),
  }),
  output: z.object({ keys: z.array(keySchema) }),
  handler: async ({ expiring_days }, ctx) => {
    const keys = await listKeys(ctx);
    return {
      keys: keys.filter(
        (k) =>
          expiring_days === undefined ||
          (k.days_until_expiry !== null && k.days_until_expiry <= expiring_days),
      ),
    };
  },
});

export const keyCreate = tailscaleTool({
  name: 'tailscale_key_create',
  title: 'Tailscale: Create auth key',
  description:
    'Create an auth key for adding devices. The secret is returned once, in this result only: it is never logged or audited and cannot be read again.',
  permission: 'tailscale:admin',
  risk: 'critical',
  openWorld: true,
  input: z.object({
    description: z
      .string()
      .max(50)
      .regex(/^[\w .-]*$/, 'letters, digits, spaces, _ . -')
      .default('')
      .describe('What the key is for (shown in the admin console)'),
    reusable: z.boolean().default(false).describe('The key can add more than one device'),
    ephemeral: z.boolean().default(false).describe('Devices are removed when they go offline'),
    preauthorized: z.boolean().default(false).describe('Devices skip device approval'),
    tags: z
      .array(z.string().regex(/^tag:[A-Za-z0-9][\w-]*$/))
      .max(20)
      .default([])
      .describe('Tags devices added with this key get, e.g. ["tag:server"]'),
    expiry_days: z.number().int().min(1).max(90).default(1).describe('Days until the key expires (1–90)'),
  }),
  output: keySchema.extend({ key: z.string().describe('The secret auth key (shown once)') }),
  summarize: ({ reusable, ephemeral, preauthorized, tags, expiry_days }) =>
    `Create a${reusable ? ' reusable' : ' single-use'}${ephemeral ? ' ephemeral' : ''}${preauthorized ? ' preauthorized' : ''} auth key${tags.length ? ` for ${tags.join(', ')}` : ''}, valid ${expiry_days} days.`,
  handler: async ({ description, reusable, ephemeral, preauthorized, tags, expiry_days }, ctx) => {
    const { admin } = ctx.tailscale;
    const { value } = await admin.json({
      method: 'POST',
      path: admin.tailnetPath('/keys'),
      body: {
        capabilities: { devices: { create: { reusable, ephemeral, preauthorized, tags } } },
        expirySeconds: expiry_days * 86_400,
        description,
      },
      idempotent: false, // a second send would create a second key
      action: 'create an auth key',
      scope: 'auth_keys',
      signal: ctx.signal,
    });
    return { ...toAuthKey(value), key: pickString(asRecord(value), 'key') };
  },
});

export const keyRevoke = tailscaleTool({
  name: 'tailscale_key_revoke',
  title: 'Tailscale: Revoke auth key',
  description: 'Revoke an auth key so it can add no more devices (devices it added stay).',
  permission: 'tailscale:admin',
  risk: 'critical',
  openWorld: true,
  input: z.object({
    id: z
      .string()
      .regex(/^k[A-Za-z0-9]+$/, 'a key id such as kAbC123CNTRL')
      .describe('Key id, e.g. kAbC123CNTRL'),
  }),
  output: z.object({ revoked: z.string() }),
  summarize: ({ id }) => `Revoke auth key ${id}.`,
  handler: async ({ id }, ctx) => {
    const { admin } = ctx.tailscale;
    await admin.request({
      method: 'DELETE',
      path: admin.tailnetPath(`/keys/${encodeURIComponent(id)}`),
      action: `revoke auth key ${id}`,
      scope: 'auth_keys',
      notFound: `No auth key ${id} (already revoked or expired?); see tailscale_keys_list.`,
      signal: ctx.signal,
    });
    return { revoked: id };
  },
});

export const keyTools = [keysList, keyCreate, keyRevoke];
