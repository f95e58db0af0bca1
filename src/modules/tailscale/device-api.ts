import { GatewayError } from '../../errors.ts';
import { asRecord, pickString } from '../../tailscale/localapi.ts';
import type { TailscaleContext } from './context.ts';
import { type Device, normalizeDevice } from './device-model.ts';

type Ctx = TailscaleContext & { signal: AbortSignal };

/** Every device of the tailnet, normalised. */
export async function listDevices(ctx: Ctx, now = Date.now()): Promise<Device[]> {
  const { admin } = ctx.tailscale;
  const { value } = await admin.json<{ devices?: unknown }>({
    path: admin.tailnetPath('/devices'),
    query: { fields: 'all' },
    action: 'list devices',
    scope: 'devices:core:read',
    signal: ctx.signal,
  });
  const devices = Array.isArray(value.devices) ? value.devices : [];
  return devices.map((d) => normalizeDevice(d, now));
}

/** A node id ("nAbC123CNTRL") or legacy numeric id, as opposed to a (lowercase) device name. */
export function looksLikeId(ref: string): boolean {
  return /^\d+$/.test(ref) || /^n[A-Za-z0-9]*[A-Z][A-Za-z0-9]*$/.test(ref);
}

/** The node id for a device given by id or by name (MagicDNS name, FQDN or hostname). */
export async function resolveDeviceId(ctx: Ctx, ref: string): Promise<string> {
  if (looksLikeId(ref)) return ref;
  const wanted = ref.toLowerCase().replace(/\.$/, '');
  const matches = (await listDevices(ctx)).filter(
    (d) =>
      d.name.toLowerCase() === wanted ||
      d.fqdn.toLowerCase() === wanted ||
      d.hostname.toLowerCase() === wanted,
  );
  if (matches.length === 1) return matches[0]!.id;
  if (matches.length === 0) {
    throw new GatewayError(
      'ERR_NOT_FOUND',
      `No device is named "${ref}"; call tailscale_devices_list to find its id.`,
    );
  }
  throw new GatewayError(
    'ERR_INPUT_REJECTED',
    `"${ref}" names ${matches.length} devices (${matches.map((d) => `${d.fqdn} = ${d.id}`).join(', ')}); pass the id instead.`,
  );
}

export async function getDevice(ctx: Ctx, ref: string): Promise<Device> {
  const id = await resolveDeviceId(ctx, ref);
  const { admin } = ctx.tailscale;
  const { value } = await admin.json({
    path: `/device/${encodeURIComponent(id)}`,
    query: { fields: 'all' },
    action: `read device ${id}`,
    scope: 'devices:core:read',
    notFound: deviceNotFound(id),
    signal: ctx.signal,
  });
  return normalizeDevice(value, Date.now());
}

export function deviceNotFound(id: string): string {
  return `No device with id "${id}" in the tailnet; call tailscale_devices_list for the ids (the nodeId field).`;
}

/** POST to `/device/<id>/<what>` (each of these sets a value, so repeating it is harmless unless said otherwise). */
export async function postDevice(
  ctx: Ctx,
  id: string,
  what: string,
  body: unknown,
  options: { action: string; scope?: string; idempotent?: boolean },
): Promise<unknown> {
  const { value } = await ctx.tailscale.admin.json({
    method: 'POST',
    path: `/device/${encodeURIComponent(id)}/${what}`,
    body,
    idempotent: options.idempotent ?? true,
    action: options.action,
    scope: options.scope ?? 'devices:core',
    notFound: deviceNotFound(id),
    signal: ctx.signal,
  });
  return value;
}

/**
 * Refuse a change that would cut the gateway off its own tailnet. Fails closed:
 * when tailscaled cannot say who this node is, the change is refused too.
 */
export async function refuseOwnNode(ctx: Ctx, id: string, what: string): Promise<void> {
  let selfId: string;
  try {
    const status = await ctx.tailscale.local.status({ peers: false, signal: ctx.signal });
    selfId = pickString(asRecord(status.Self), 'ID');
  } catch (cause) {
    throw new GatewayError(
      'ERR_POLICY_DENIED',
      `Refusing to ${what} while tailscaled cannot tell which node the gateway is (it might be this one); fix the LocalAPI socket first.`,
      { cause },
    );
  }
  if (selfId && selfId === id) {
    throw new GatewayError(
      'ERR_POLICY_DENIED',
      `Refusing to ${what} the gateway's own node (${id}): it would cut the gateway off its tailnet. Do it in the admin console if you mean it.`,
    );
  }
}
