import { setTimeout as sleep } from 'node:timers/promises';
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';
import type { FakeToken } from './proxmox-acl.ts';
import { selfSignedCertificate, type TestCertificate } from './proxmox-cert.ts';
import { registerClusterRoutes } from './proxmox-routes.ts';
import { registerActionRoutes } from './proxmox-routes-act.ts';
import { registerNodeRoutes } from './proxmox-routes-node.ts';
import { registerSnapshotRoutes } from './proxmox-routes-snap.ts';
import { type FakeState, fixtureState } from './proxmox-state.ts';
import { FakeTasks } from './proxmox-tasks.ts';

/**
 * A fake Proxmox VE API (`https://127.0.0.1:PORT/api2/json`) for tests, built
 * from the API as pve-manager, qemu-server, pve-container, pve-storage and
 * pve-access-control define it: the same paths, parameters (unknown ones are
 * refused with 400 like additionalProperties 0), `{data: …}` answers, errors as
 * the JSON formatter writes them (HTTP reason phrase and `{data: null,
 * message, errors}`), API-token auth (401 for a bad token), privileges per
 * path with 403 "Permission check failed (path, priv)", privilege-separated
 * tokens getting filtered (empty) lists, 595 for an offline node, the config
 * digest check, and the task life cycle with UPIDs (see proxmox-tasks.ts). It
 * serves a certificate generated at test time and can swap it (a changed
 * certificate).
 *
 * NOT modelled: tickets/CSRF (tokens only), pools as ACL paths beyond
 * listing, HA, replication, migration, storage plugins beyond listing and
 * backups, pending QEMU changes (a config change applies at once), rrd data
 * (generated, not recorded), real timing of tasks (one log line per status
 * read), `proxyto` forwarding between nodes (one server answers for all), and
 * the subtle ACL rules for groups and roles with propagate on users vs tokens
 * (each token has its own effective ACL list).
 */
export interface FakeProxmox {
  /** https://127.0.0.1:PORT (configure as the cluster url). */
  url: string;
  port: number;
  state: FakeState;
  tasks: FakeTasks;
  tokens: Map<string, FakeToken>;
  certificate: TestCertificate;
  /** Every request: method, path (no query), and the token id it used. */
  requests: { method: string; path: string; query: string; token?: string; body: string }[];
  /** Answer the next matching requests with a failure (FIFO). */
  failures: { path: RegExp; status: number; message: string; times: number }[];
  /** Wait this long before answering each request (the benchmark's realistic latency). */
  latencyMs: number;
  /** Serve another certificate from now on (new connections). */
  useCertificate(certificate: TestCertificate): void;
  close(): Promise<void>;
}

/** The token the fixture grants everything the gateway's least-privilege role has, on `/`. */
export const FULL_TOKEN: FakeToken = {
  id: 'tailwarden@pve!gateway',
  secret: '5f1c2d3e-4b5a-4c6d-8e7f-901234567890',
  acl: [{ path: '/', roles: ['TailwardenGateway'], propagate: true }],
};
/** A privilege-separated token nobody granted anything: Proxmox answers its lists empty. */
export const BARE_TOKEN: FakeToken = {
  id: 'tailwarden@pve!bare',
  secret: '0a0b0c0d-1111-4222-8333-944455556666',
  acl: [],
};
/** Read-only: PVEAuditor on `/`. */
export const AUDITOR_TOKEN: FakeToken = {
  id: 'tailwarden@pve!auditor',
  secret: '7e7e7e7e-2222-4333-8444-955566667777',
  acl: [{ path: '/', roles: ['PVEAuditor'], propagate: true }],
};

export class PveError extends Error {
  readonly status: number;
  readonly errors: Record<string, string> | undefined;
  constructor(status: number, message: string, errors?: Record<string, string>) {
    super(message);
    this.status = status;
    this.errors = errors;
  }
}

declare module 'fastify' {
  interface FastifyRequest {
    pveToken?: FakeToken;
  }
}

function sendError(reply: FastifyReply, error: PveError) {
  // The JSON formatter puts the message in the reason phrase and in `message`; parameter errors in `errors`.
  reply.raw.statusMessage = error.message.replace(/[\r\n]+/g, ' ').slice(0, 200);
  return reply
    .code(error.status)
    .type('application/json;charset=UTF-8')
    .send({ data: null, message: `${error.message}\n`, ...(error.errors ? { errors: error.errors } : {}) });
}

export async function startFakeProxmox(
  options: { state?: FakeState; certificate?: TestCertificate; tokens?: FakeToken[] } = {},
): Promise<FakeProxmox> {
  const certificate = options.certificate ?? selfSignedCertificate();
  const app = Fastify({ logger: false, https: { key: certificate.key, cert: certificate.cert } });
  const fake: FakeProxmox = {
    url: '',
    port: 0,
    state: options.state ?? fixtureState(),
    tasks: new FakeTasks(),
    tokens: new Map((options.tokens ?? [FULL_TOKEN, BARE_TOKEN, AUDITOR_TOKEN]).map((t) => [t.id, t])),
    certificate,
    requests: [],
    failures: [],
    latencyMs: 0,
    useCertificate(next) {
      fake.certificate = next;
      (app.server as unknown as { setSecureContext(o: object): void }).setSecureContext({
        key: next.key,
        cert: next.cert,
      });
    },
    close: () => app.close(),
  };

  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) =>
    done(null, Object.fromEntries(new URLSearchParams(body as string))),
  );
  app.setErrorHandler((error, _req, reply) => {
    if (error instanceof PveError) return sendError(reply, error);
    return sendError(reply, new PveError(500, (error as Error).message));
  });
  app.setNotFoundHandler((req, reply) =>
    sendError(
      reply,
      new PveError(
        501,
        `Method '${req.method} ${req.url.split('?')[0]!.replace('/api2/json', '')}' not implemented`,
      ),
    ),
  );

  app.addHook('onRequest', async (req: FastifyRequest) => {
    if (fake.latencyMs) await sleep(fake.latencyMs);
    const header = req.headers.authorization ?? '';
    const match = /^PVEAPIToken=([^=\s]+)=(\S+)$/.exec(header);
    const token = match ? fake.tokens.get(match[1]!) : undefined;
    const [path, query = ''] = req.url.split('?') as [string, string?];
    fake.requests.push({ method: req.method, path, query, token: match?.[1], body: '' });
    if (!header) throw new PveError(401, 'No ticket');
    if (!token || token.secret !== match![2]) throw new PveError(401, 'invalid token value!');
    req.pveToken = token;
    const failure = fake.failures.find((f) => f.path.test(path));
    if (failure) {
      failure.times -= 1;
      if (failure.times <= 0) fake.failures.splice(fake.failures.indexOf(failure), 1);
      throw new PveError(failure.status, failure.message);
    }
    const node = /^\/api2\/json\/nodes\/([^/]+)/.exec(path)?.[1];
    const known = node ? fake.state.nodes.find((n) => n.name === node) : undefined;
    if (node && known && !known.online) throw new PveError(595, 'No route to host');
    if (node && !known)
      throw new PveError(
        500,
        `hostname lookup '${node}' failed - failed to get address info for: ${node}: Name or service not known`,
      );
  });
  app.addHook('preHandler', async (req) => {
    const last = fake.requests.at(-1);
    if (last && req.body && typeof req.body === 'object')
      last.body = new URLSearchParams(req.body as Record<string, string>).toString();
  });

  registerClusterRoutes(app, fake);
  registerNodeRoutes(app, fake);
  registerActionRoutes(app, fake);
  registerSnapshotRoutes(app, fake);

  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  fake.port = typeof address === 'object' && address ? address.port : 0;
  fake.url = `https://127.0.0.1:${fake.port}`;
  return fake;
}
