import { z } from 'zod';
import { GatewayError, isGatewayError } from '../../errors.ts';
import { asRecord, pickString, pickStrings } from '../../tailscale/localapi.ts';
import type { AdminRequest } from './admin/client.ts';
import type { TailscaleContext } from './context.ts';

type Ctx = TailscaleContext & { signal: AbortSignal };

/**
 * A Service name as tailcfg.ServiceName validates it: `svc:` and one DNS label
 * (lowercase here: MagicDNS names are case-insensitive and the admin console
 * shows them lowercase). A bare label is accepted and gets the prefix.
 */
export const serviceName = z
  .string()
  .min(1)
  .max(67)
  .regex(
    /^(svc:)?[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/,
    'a Service name such as "svc:grafana": lowercase letters, digits and "-" (at most 63), optionally with the svc: prefix',
  )
  .transform((value) => (value.startsWith('svc:') ? value : `svc:${value}`))
  .describe('Service name, e.g. "svc:grafana" (the svc: prefix may be left out)');

export const serviceSchema = z.object({
  name: z.string(),
  addresses: z.array(z.string()).describe('The Service IPv4 and IPv6 (its TailVIPs)'),
  ports: z.array(z.string()).describe('"tcp:<port>" entries, or "do-not-validate"'),
  tags: z.array(z.string()),
  comment: z.string(),
});
export type Service = z.infer<typeof serviceSchema>;

export const hostSchema = z.object({
  device: z.string().describe('Node id of the host'),
  name: z.string().describe('Its device name, when the device list could be read'),
  approval: z.string().describe('not-approved, approved:auto or approved:manual'),
  approved: z.boolean(),
  configured: z.string().describe('Whether the host has the Service configured (e.g. ready)'),
});
export type ServiceHost = z.infer<typeof hostSchema>;

/** Raw fields kept on update that the tools do not show but must not lose (addresses, annotations). */
export type RawService = Record<string, unknown>;

export function toService(raw: unknown): Service {
  const s = asRecord(raw);
  return {
    name: pickString(s, 'name'),
    addresses: pickStrings(s, 'addrs'),
    ports: pickStrings(s, 'ports'),
    tags: pickStrings(s, 'tags'),
    comment: pickString(s, 'comment'),
  };
}

export function toHost(raw: unknown, names: ReadonlyMap<string, string>): ServiceHost {
  const h = asRecord(raw);
  // The OpenAPI document names the id stableNodeID; the Go client notes the API answers nodeId.
  const device = pickString(h, 'stableNodeID') || pickString(h, 'nodeId') || pickString(h, 'stableNodeId');
  const approval = pickString(h, 'approvalLevel') || 'unknown';
  return {
    device,
    name: names.get(device) ?? '',
    approval,
    approved: approval.startsWith('approved'),
    configured: pickString(h, 'configured'),
  };
}

/** `svc:grafana` as a path segment; ":" stays literal, as Go's url.PathEscape leaves it. */
function segment(name: string): string {
  return encodeURIComponent(name).replace(/%3A/gi, ':');
}

const notFound = (name: string) =>
  `The tailnet has no Service "${name}"; call tailscale_service_list for the names, or tailscale_service_create.`;

/**
 * The admin API's Services endpoints. The API reference (OpenAPI) documents
 * `/tailnet/{t}/services[/{name}]`, which is what the gateway uses. The official
 * Go clients (tailscale.com/client/tailscale/v2 and tailscale's own internal
 * client) still call the same operations under `/vip-services`, so a control
 * server that answers the documented list with 404 is asked there once and the
 * answer kept. Hosts and approvals exist only under `/services`.
 */
export class ServicesApi {
  private base: Promise<'services' | 'vip-services'> | undefined;

  /** Which collection path this control server serves (asked once, on first use). */
  private collection(ctx: Ctx): Promise<'services' | 'vip-services'> {
    this.base ??= this.detect(ctx).catch((error: unknown) => {
      this.base = undefined; // a network failure must not pin the choice
      throw error;
    });
    return this.base;
  }

  private async detect(ctx: Ctx): Promise<'services' | 'vip-services'> {
    try {
      await this.request(ctx, { path: this.path(ctx, 'services'), action: 'list Services' });
      return 'services';
    } catch (error) {
      if (!isGatewayError(error) || error.code !== 'ERR_NOT_FOUND') throw error;
      await this.request(ctx, { path: this.path(ctx, 'vip-services'), action: 'list Services' }).catch(() => {
        throw error;
      });
      return 'vip-services';
    }
  }

  private path(ctx: Ctx, collection: string, ...rest: string[]): string {
    return ctx.tailscale.admin.tailnetPath(['', collection, ...rest.map(segment)].join('/'));
  }

  private request(ctx: Ctx, request: Omit<AdminRequest, 'scope'> & { scope?: string }) {
    return ctx.tailscale.admin.json({ scope: 'services:read', signal: ctx.signal, ...request });
  }

  async list(ctx: Ctx): Promise<Service[]> {
    const base = await this.collection(ctx);
    const { value } = await this.request(ctx, { path: this.path(ctx, base), action: 'list Services' });
    const body = asRecord(value);
    const raw = [body.vipServices, body.services].find(Array.isArray) ?? [];
    return (raw as unknown[]).map(toService);
  }

  /** One Service as the API holds it (raw, so an update can keep what it does not change). */
  async getRaw(ctx: Ctx, name: string): Promise<RawService> {
    const base = await this.collection(ctx);
    const { value } = await this.request(ctx, {
      path: this.path(ctx, base, name),
      action: `read Service ${name}`,
      notFound: notFound(name),
    });
    return asRecord(value);
  }

  /** Undefined when the tailnet has no such Service. */
  async find(ctx: Ctx, name: string): Promise<RawService | undefined> {
    return this.getRaw(ctx, name).catch((error: unknown) => {
      if (isGatewayError(error) && error.code === 'ERR_NOT_FOUND') return undefined;
      throw error;
    });
  }

  /** PUT creates or replaces the whole Service: send everything it should keep. */
  async put(ctx: Ctx, name: string, body: RawService, action: string): Promise<Service> {
    const base = await this.collection(ctx);
    const { value } = await this.request(ctx, {
      method: 'PUT',
      path: this.path(ctx, base, name),
      body,
      action,
      scope: 'services',
    });
    const answer = asRecord(value);
    // The documented answer is the Service; an empty body means "done": read it back.
    return pickString(answer, 'name') ? toService(answer) : toService(await this.getRaw(ctx, name));
  }

  async delete(ctx: Ctx, name: string): Promise<void> {
    const base = await this.collection(ctx);
    await this.request(ctx, {
      method: 'DELETE',
      path: this.path(ctx, base, name),
      action: `delete Service ${name}`,
      scope: 'services',
      notFound: notFound(name),
    });
  }

  /** The devices advertising the Service, with their approval level. */
  async hosts(ctx: Ctx, name: string, names: ReadonlyMap<string, string> = new Map()) {
    const { value } = await this.request(ctx, {
      path: this.path(ctx, 'services', name, 'devices'),
      action: `list the hosts of Service ${name}`,
      scope: 'services + devices:core',
      notFound: notFound(name),
    });
    const raw = asRecord(value).hosts;
    return (Array.isArray(raw) ? raw : []).map((h) => toHost(h, names));
  }

  /** Approve (or withdraw the approval of) one host; returns the approval the API reports. */
  async setApproval(ctx: Ctx, name: string, device: string, approved: boolean) {
    const { value } = await this.request(ctx, {
      method: 'POST',
      path: this.path(ctx, 'services', name, 'device', device, 'approved'),
      body: { approved },
      idempotent: true, // it sets a value: sending it twice gives the same state
      action: `${approved ? 'approve' : 'withdraw the approval of'} device ${device} for Service ${name}`,
      scope: 'services + devices:core',
      notFound: `The tailnet has no Service "${name}" or no device "${device}".`,
    });
    const body = asRecord(value);
    return { approved: body.approved === true, auto_approved: body.autoApproved === true };
  }
}

/** A refusal for input the API would take but that cannot be what the caller meant. */
export function rejected(message: string): GatewayError {
  return new GatewayError('ERR_INPUT_REJECTED', message);
}
