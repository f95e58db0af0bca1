import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { apiError, type FakeAdminApi } from './tailscale-admin.ts';

type Guard = (scope: string) => (req: FastifyRequest, reply: FastifyReply) => Promise<unknown>;

/**
 * Tailscale Services in the fake admin API, to the API reference (OpenAPI
 * "Services" tag): GET/PUT/DELETE /tailnet/{t}/services[/{name}] (list answers
 * `{vipServices}`), GET …/services/{name}/devices (`{hosts: [{stableNodeID,
 * approvalLevel, configured}]}`), GET/POST …/services/{name}/device/{id}/approved
 * (`{approved, autoApproved}`). Scopes: services:read to read, services to
 * change; hosts and approvals need services and devices:core.
 *
 * PUT follows the documented rules: a new Service's body names it as the path
 * does and carries at most one IPv4 (addresses are allocated otherwise); an
 * existing one must be sent with its IPv4 and IPv6 and the IPv6 cannot change
 * (the Go client warns an update without the allocated addresses fails).
 *
 * With `fake.legacyServicesPath` the list/get/put/delete collection answers only
 * under /vip-services, as the Go clients call it, and /services answers 404.
 */
export function registerServiceRoutes(app: FastifyInstance, fake: FakeAdminApi, guard: Guard) {
  const api = '/api/v2/tailnet/:t';
  const s = () => fake.state;
  type P = { name: string; id: string };
  const find = (name: string) => s().services.find((x) => x.name === name);
  const missing = (reply: FastifyReply) => apiError(reply, 404, 'service not found');
  let next = 2;

  for (const collection of ['services', 'vip-services'] as const) {
    const served = () => (collection === 'vip-services') === fake.legacyServicesPath;
    const noRoute = (req: FastifyRequest, reply: FastifyReply) =>
      apiError(reply, 404, `no route for ${req.method} ${req.url}`);

    app.get(`${api}/${collection}`, { preHandler: guard('services:read') }, async (req, reply) =>
      served() ? { vipServices: s().services } : noRoute(req, reply),
    );
    app.get(`${api}/${collection}/:name`, { preHandler: guard('services:read') }, async (req, reply) => {
      if (!served()) return noRoute(req, reply);
      return find((req.params as P).name) ?? missing(reply);
    });
    app.delete(`${api}/${collection}/:name`, { preHandler: guard('services') }, async (req, reply) => {
      if (!served()) return noRoute(req, reply);
      const { name } = req.params as P;
      const found = find(name);
      if (!found) return missing(reply);
      s().services.splice(s().services.indexOf(found), 1);
      delete s().serviceHosts[name];
      return {};
    });
    app.put(`${api}/${collection}/:name`, { preHandler: guard('services') }, async (req, reply) => {
      if (!served()) return noRoute(req, reply);
      const { name } = req.params as P;
      const body = (req.body ?? {}) as Record<string, unknown>;
      const problem = invalidService(body);
      if (problem) return apiError(reply, 400, problem);
      const existing = find(name);
      const addrs = Array.isArray(body.addrs) ? (body.addrs as string[]) : [];
      if (!existing) {
        if (body.name !== name) return apiError(reply, 400, 'name in the body must match the path');
        if (addrs.length > 1 || addrs[0]?.includes(':'))
          return apiError(reply, 400, 'a new service takes at most one IPv4 address');
        const created = { ...body, addrs: [addrs[0] ?? `100.100.1.${next}`, `fd7a:115c:a1e0::1:${next}`] };
        next += 1;
        s().services.push(created);
        return created;
      }
      const current = existing.addrs as string[];
      if (addrs.length !== 2 || addrs[1] !== current[1])
        return apiError(reply, 400, 'addrs must hold the service IPv4 and its (unchanged) IPv6');
      const updated: Record<string, unknown> = { ...body, addrs };
      s().services[s().services.indexOf(existing)] = updated;
      if (updated.name !== name) {
        s().serviceHosts[updated.name as string] = s().serviceHosts[name] ?? [];
        delete s().serviceHosts[name];
      }
      return updated;
    });
  }

  const hostGuards = { preHandler: [guard('services'), guard('devices:core')] };
  app.get(`${api}/services/:name/devices`, hostGuards, async (req, reply) => {
    const { name } = req.params as P;
    return find(name) ? { hosts: s().serviceHosts[name] ?? [] } : missing(reply);
  });
  const hostOf = (req: FastifyRequest) => {
    const { name, id } = req.params as P;
    return (s().serviceHosts[name] ?? []).find((h) => h.stableNodeID === id);
  };
  app.get(`${api}/services/:name/device/:id/approved`, hostGuards, async (req, reply) => {
    const host = hostOf(req);
    if (!host) return apiError(reply, 404, 'service or device not found');
    return approvalOf(host.approvalLevel);
  });
  app.post(`${api}/services/:name/device/:id/approved`, hostGuards, async (req, reply) => {
    const host = hostOf(req);
    if (!host) return apiError(reply, 404, 'service or device not found');
    const approved = ((req.body ?? {}) as Record<string, unknown>).approved;
    if (typeof approved !== 'boolean') return apiError(reply, 400, 'approved must be a boolean');
    host.approvalLevel = approved ? 'approved:manual' : 'not-approved';
    return approvalOf(host.approvalLevel);
  });
}

function approvalOf(level: string) {
  return { approved: level.startsWith('approved'), autoApproved: level === 'approved:auto' };
}

function invalidService(body: Record<string, unknown>): string | undefined {
  if (typeof body.name !== 'string' || !/^svc:[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/.test(body.name))
    return 'invalid service name';
  const ports = body.ports ?? [];
  if (!Array.isArray(ports) || ports.some((p) => p !== 'do-not-validate' && !/^tcp:\d{1,5}$/.test(String(p))))
    return 'ports must look like tcp:<port>';
  const tags = body.tags ?? [];
  if (!Array.isArray(tags) || tags.some((t) => !String(t).startsWith('tag:'))) return 'invalid tag';
  if (body.comment !== undefined && typeof body.comment !== 'string') return 'comment must be a string';
  return undefined;
}
