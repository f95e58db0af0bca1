import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { apiError, type FakeAdminApi } from './tailscale-admin.ts';
import { registerServiceRoutes } from './tailscale-admin-services.ts';
import { parseHuJson, validatePolicy } from './tailscale-admin-state.ts';

type Guard = (scope: string) => (req: FastifyRequest, reply: FastifyReply) => Promise<unknown>;
type Params = { id: string; t: string };

const CIDR = /^(\d{1,3}(\.\d{1,3}){3}\/\d{1,2}|[0-9a-f:]+\/\d{1,3})$/i;
/** Fields the real API returns without `?fields=all`. */
const DEFAULT_FIELDS = [
  'id',
  'nodeId',
  'name',
  'hostname',
  'addresses',
  'user',
  'os',
  'clientVersion',
  'updateAvailable',
  'created',
  'lastSeen',
  'expires',
  'keyExpiryDisabled',
  'authorized',
  'isExternal',
  'tags',
  'blocksIncomingConnections',
];

function pickFields(device: Record<string, unknown>, all: boolean) {
  return all ? device : Object.fromEntries(DEFAULT_FIELDS.map((f) => [f, device[f]]));
}

export function registerAdminRoutes(app: FastifyInstance, fake: FakeAdminApi, guard: Guard) {
  const s = () => fake.state;
  const device = (req: FastifyRequest, reply: FastifyReply) => {
    const { id } = req.params as Params;
    const found = s().devices.find((d) => d.nodeId === id || d.id === id);
    if (!found) apiError(reply, 404, 'device not found');
    return found;
  };
  const body = (req: FastifyRequest) => (req.body ?? {}) as Record<string, unknown>;
  const api = '/api/v2';

  app.get(`${api}/tailnet/:t/devices`, { preHandler: guard('devices:core:read') }, async (req) => {
    const all = (req.query as { fields?: string }).fields === 'all';
    return { devices: s().devices.map((d) => pickFields(d, all)) };
  });
  app.get(`${api}/device/:id`, { preHandler: guard('devices:core:read') }, async (req, reply) => {
    const d = device(req, reply);
    return d ? pickFields(d, (req.query as { fields?: string }).fields === 'all') : reply;
  });
  app.delete(`${api}/device/:id`, { preHandler: guard('devices:core') }, async (req, reply) => {
    const d = device(req, reply);
    if (!d) return reply;
    s().devices.splice(s().devices.indexOf(d), 1);
    return {};
  });
  const deviceSetter = (
    path: string,
    scope: string,
    apply: (d: Record<string, unknown>, b: Record<string, unknown>, reply: FastifyReply) => boolean,
  ) =>
    app.post(`${api}/device/:id/${path}`, { preHandler: guard(scope) }, async (req, reply) => {
      const d = device(req, reply);
      if (!d) return reply;
      return apply(d, body(req), reply) ? {} : reply;
    });
  deviceSetter('authorized', 'devices:core', (d, b, reply) => {
    if (typeof b.authorized !== 'boolean') return !apiError(reply, 400, 'authorized must be a boolean');
    d.authorized = b.authorized;
    return true;
  });
  deviceSetter('tags', 'devices:core', (d, b, reply) => {
    const tags = b.tags;
    if (!Array.isArray(tags) || tags.some((t) => typeof t !== 'string' || !t.startsWith('tag:'))) {
      return !apiError(reply, 400, 'tags must be a list of "tag:<name>"');
    }
    d.tags = tags;
    return true;
  });
  deviceSetter('key', 'devices:core', (d, b) => {
    d.keyExpiryDisabled = b.keyExpiryDisabled === true;
    return true;
  });
  deviceSetter('expire', 'devices:core', (d) => {
    d.expires = new Date().toISOString();
    return true;
  });
  deviceSetter('name', 'devices:core', (d, b, reply) => {
    if (typeof b.name !== 'string' || !/^[a-z0-9-]{1,63}(\.|$)/.test(b.name))
      return !apiError(reply, 400, 'invalid name');
    d.name = b.name.includes('.') ? b.name : `${b.name}.tail1234.ts.net`;
    return true;
  });
  app.get(`${api}/device/:id/routes`, { preHandler: guard('devices:routes:read') }, async (req, reply) => {
    const d = device(req, reply);
    return d ? { advertisedRoutes: d.advertisedRoutes ?? [], enabledRoutes: d.enabledRoutes ?? [] } : reply;
  });
  app.post(`${api}/device/:id/routes`, { preHandler: guard('devices:routes') }, async (req, reply) => {
    const d = device(req, reply);
    if (!d) return reply;
    const routes = body(req).routes;
    if (!Array.isArray(routes) || routes.some((r) => typeof r !== 'string' || !CIDR.test(r))) {
      return apiError(reply, 400, 'routes must be a list of CIDR prefixes');
    }
    d.enabledRoutes = routes;
    return { advertisedRoutes: d.advertisedRoutes ?? [], enabledRoutes: routes };
  });

  // DNS
  const dnsRoute = (
    path: string,
    read: () => unknown,
    write: (b: Record<string, unknown>) => string | undefined,
  ) => {
    app.get(`${api}/tailnet/:t/dns/${path}`, { preHandler: guard('dns:read') }, async () => read());
    app.post(`${api}/tailnet/:t/dns/${path}`, { preHandler: guard('dns') }, async (req, reply) => {
      const problem = write(body(req));
      return problem ? apiError(reply, 400, problem) : read();
    });
  };
  dnsRoute(
    'nameservers',
    () => ({ dns: s().dns.nameservers }),
    (b) => {
      if (!Array.isArray(b.dns)) return 'dns must be a list of addresses';
      s().dns.nameservers = b.dns as string[];
      if (b.dns.length === 0) s().dns.magicDNS = s().dns.magicDNS; // unchanged: the real API may turn MagicDNS off
    },
  );
  dnsRoute(
    'preferences',
    () => ({ magicDNS: s().dns.magicDNS }),
    (b) => {
      if (typeof b.magicDNS !== 'boolean') return 'magicDNS must be a boolean';
      s().dns.magicDNS = b.magicDNS;
    },
  );
  dnsRoute(
    'searchpaths',
    () => ({ searchPaths: s().dns.searchPaths }),
    (b) => {
      if (!Array.isArray(b.searchPaths)) return 'searchPaths must be a list';
      s().dns.searchPaths = b.searchPaths as string[];
    },
  );
  app.get(`${api}/tailnet/:t/dns/split-dns`, { preHandler: guard('dns:read') }, async () => s().dns.splitDns);
  app.patch(`${api}/tailnet/:t/dns/split-dns`, { preHandler: guard('dns') }, async (req) => {
    for (const [domain, servers] of Object.entries(body(req))) {
      if (servers === null) delete s().dns.splitDns[domain];
      else s().dns.splitDns[domain] = servers as string[];
    }
    return s().dns.splitDns;
  });

  // Policy file
  app.get(`${api}/tailnet/:t/acl`, { preHandler: guard('policy_file:read') }, async (req, reply) => {
    reply.header('ETag', fake.policyEtag());
    if (String(req.headers.accept ?? '').includes('application/hujson'))
      return reply.type('application/hujson').send(s().policy);
    return reply.type('application/json').send(JSON.stringify(parseHuJson(s().policy)));
  });
  app.post(`${api}/tailnet/:t/acl`, { preHandler: guard('policy_file') }, async (req, reply) => {
    const ifMatch = req.headers['if-match'];
    if (ifMatch && ifMatch !== fake.policyEtag())
      return apiError(reply, 412, 'precondition failed, invalid old hash');
    const text = typeof req.body === 'string' ? req.body : JSON.stringify(req.body);
    const problem = validatePolicy(text);
    if (problem) return apiError(reply, 400, problem.message, problem.data);
    s().policy = text;
    reply.header('ETag', fake.policyEtag());
    return reply.type('application/hujson').send(text);
  });
  app.post(`${api}/tailnet/:t/acl/validate`, { preHandler: guard('policy_file:read') }, async (req) => {
    const text = typeof req.body === 'string' ? req.body : JSON.stringify(req.body);
    return validatePolicy(text) ?? {};
  });
  app.post(`${api}/tailnet/:t/acl/preview`, { preHandler: guard('policy_file:read') }, async (req, reply) => {
    const { type, previewFor } = req.query as { type?: string; previewFor?: string };
    if ((type !== 'user' && type !== 'ipport') || !previewFor)
      return apiError(reply, 400, 'type (user|ipport) and previewFor are required');
    const text = typeof req.body === 'string' ? req.body : JSON.stringify(req.body);
    const policy = parseHuJson(text) as { acls?: { src: string[]; dst: string[] }[] };
    const matches = (policy.acls ?? []).flatMap((acl, index) =>
      type === 'user' && (acl.src.includes(previewFor) || acl.src.includes('*'))
        ? [{ users: acl.src, ports: acl.dst, lineNumber: index + 1 }]
        : type === 'ipport' &&
            acl.dst.some((d) => d === '*:*' || previewFor.endsWith(d.split(':').pop() ?? ''))
          ? [{ users: acl.src, ports: acl.dst, lineNumber: index + 1 }]
          : [],
    );
    return { matches, type, previewFor };
  });

  // Auth keys: the list carries ids and descriptions only, as the API does; details per key.
  app.get(`${api}/tailnet/:t/keys`, { preHandler: guard('auth_keys:read') }, async () => ({
    keys: s().keys.map((k) => ({ id: k.id, description: k.description })),
  }));
  app.get(`${api}/tailnet/:t/keys/:id`, { preHandler: guard('auth_keys:read') }, async (req, reply) => {
    const key = s().keys.find((k) => k.id === (req.params as Params).id);
    return key ?? apiError(reply, 404, 'key not found');
  });
  app.delete(`${api}/tailnet/:t/keys/:id`, { preHandler: guard('auth_keys') }, async (req, reply) => {
    const index = s().keys.findIndex((k) => k.id === (req.params as Params).id);
    if (index < 0) return apiError(reply, 404, 'key not found');
    s().keys.splice(index, 1);
    return {};
  });
  app.post(`${api}/tailnet/:t/keys`, { preHandler: guard('auth_keys') }, async (req, reply) => {
    const b = body(req);
    const create = (b.capabilities as { devices?: { create?: { tags?: unknown } } } | undefined)?.devices
      ?.create;
    if (!create) return apiError(reply, 400, 'capabilities.devices.create is required');
    const tags = Array.isArray(create.tags) ? (create.tags as string[]) : [];
    if (tags.some((t) => !t.startsWith('tag:'))) return apiError(reply, 400, 'invalid tag');
    const id = `k${randomBytes(5).toString('hex')}`;
    const seconds = typeof b.expirySeconds === 'number' ? b.expirySeconds : 90 * 86_400;
    const key = {
      id,
      description: b.description ?? '',
      created: new Date().toISOString(),
      expires: new Date(Date.now() + seconds * 1000).toISOString(),
      capabilities: b.capabilities,
    };
    s().keys.push(key);
    return { ...key, key: `tskey-auth-${id}-${randomBytes(16).toString('hex')}` };
  });

  app.get(
    `${api}/tailnet/:t/settings`,
    { preHandler: guard('feature_settings:read') },
    async () => s().settings,
  );
  app.get(`${api}/tailnet/:t/users`, { preHandler: guard('users:read') }, async () => ({ users: s().users }));
  registerServiceRoutes(app, fake, guard);
}
