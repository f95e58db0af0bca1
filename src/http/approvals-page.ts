import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { authRequest } from '../auth/authenticator.ts';
import type { Principal } from '../auth/principal.ts';
import type { Config } from '../config/schema.ts';
import { isGatewayError } from '../errors.ts';
import type { Gateway } from '../gateway.ts';
import {
  approvalCard,
  layout,
  listPage,
  messagePage,
  STYLE_HASH,
  signInPage,
  type Viewer,
} from './approvals-html.ts';
import { type AuthFailureLimit, lockoutMessage } from './auth-failures.ts';

export const SESSION_COOKIE = 'tw_approver';
const SESSION_MS = 8 * 3_600_000;
const MAX_SESSIONS = 1000;

interface PageSession {
  /**
   * The approver token, kept in memory only so every request re-checks it (a revoked
   * token ends the session at once). Absent for an ambient sign-in (an identity the
   * request itself proves, such as tailnet WhoIs), which is re-checked the same way.
   */
  token: string | undefined;
  principalId: string;
  csrf: string;
  expiresAt: number;
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const [key, ...rest] = part.trim().split('=');
    if (key === name) return rest.join('=');
  }
  return undefined;
}

function formField(body: unknown, name: string): string | undefined {
  const value = (body as Record<string, unknown> | undefined)?.[name];
  return typeof value === 'string' ? value : undefined;
}

/** Only same-site form posts: a cross-site Origin or Sec-Fetch-Site is refused before anything else. */
function crossSite(request: FastifyRequest, config: Pick<Config, 'public_url'>): boolean {
  const site = request.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') return true;
  const origin = request.headers.origin;
  if (origin === undefined) return false;
  try {
    const host = new URL(origin).host;
    const publicHost = config.public_url ? new URL(config.public_url).host : undefined;
    return host !== request.headers.host && host !== publicHost;
  } catch {
    return true; // "null" and other opaque origins
  }
}

function safeNext(next: string | undefined): string {
  return next && /^\/approvals(\/[A-Za-z0-9_]+)?$/.test(next) ? next : '/approvals';
}

/**
 * The approval page: an approver signs in with a token holding approvals:grant,
 * sees pending requests in full, and approves or denies them. Plain HTML forms,
 * no script; state changes are POSTs guarded by a per-session CSRF token, a
 * SameSite=Strict cookie and an Origin check.
 */
export async function approvalsPage(
  app: FastifyInstance,
  opts: { gateway: Gateway; authFailures: AuthFailureLimit },
): Promise<void> {
  const { gateway, authFailures } = opts;
  const { config } = gateway;
  const sessions = new Map<string, PageSession>();
  const secure = config.public_url?.startsWith('https:') ?? false;

  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string', bodyLimit: 16 * 1024 },
    (_request, body, done) => done(null, Object.fromEntries(new URLSearchParams(body as string))),
  );
  app.addHook('onSend', async (_request, reply) => {
    reply.header(
      'content-security-policy',
      `default-src 'none'; style-src '${STYLE_HASH}'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'`,
    );
    reply.header('x-frame-options', 'DENY');
    // Not no-referrer: Chromium then sends "Origin: null" on the page's own form posts.
    reply.header('referrer-policy', 'same-origin');
    reply.header('x-content-type-options', 'nosniff');
    reply.header('cache-control', 'no-store');
  });

  const html = (reply: FastifyReply, status: number, body: string) =>
    reply.code(status).type('text/html; charset=utf-8').send(body);

  /** The signed-in approver, re-authenticated now; undefined when not (or no longer) signed in. */
  async function viewerOf(request: FastifyRequest): Promise<(Viewer & { principal: Principal }) | undefined> {
    const sid = cookieValue(request.headers.cookie, SESSION_COOKIE);
    const session = sid ? sessions.get(sid) : undefined;
    if (!sid || !session) return undefined;
    const principal =
      session.expiresAt <= Date.now()
        ? undefined
        : session.token !== undefined
          ? await approverFor(session.token, request)
          : await ambientApprover(request);
    if (!principal || principal.id !== session.principalId) {
      sessions.delete(sid);
      return undefined;
    }
    return { id: principal.id, name: principal.name, csrf: session.csrf, principal };
  }

  async function approverFor(
    token: string,
    request: FastifyRequest,
    localOnly = false,
  ): Promise<Principal | undefined> {
    const principal = await gateway.authenticator
      .authenticate({
        bearer: token,
        hasAuthorization: true,
        remoteAddress: request.ip,
        headers: {},
        localOnly,
      })
      .catch(() => undefined);
    if (!principal || principal.kind === 'anonymous' || !principal.permissions.has('approvals:grant'))
      return undefined;
    return principal;
  }

  /** An approver the request itself identifies (no token typed in), e.g. through tailnet WhoIs. */
  async function ambientApprover(request: FastifyRequest): Promise<Principal | undefined> {
    if (request.headers.authorization !== undefined) return undefined;
    const principal = await gateway.authenticator
      .authenticate(authRequest(request.headers, request.ip))
      .catch(() => undefined);
    if (!principal || principal.kind === 'anonymous' || !principal.permissions.has('approvals:grant'))
      return undefined;
    return principal;
  }

  function startSession(reply: FastifyReply, principal: Principal, token: string | undefined): Viewer {
    if (sessions.size >= MAX_SESSIONS) {
      const oldest = sessions.keys().next().value;
      if (oldest) sessions.delete(oldest);
    }
    const sid = randomBytes(32).toString('base64url');
    const csrf = randomBytes(32).toString('base64url');
    sessions.set(sid, { token, principalId: principal.id, csrf, expiresAt: Date.now() + SESSION_MS });
    reply.header(
      'set-cookie',
      `${SESSION_COOKIE}=${sid}; Path=/approvals; HttpOnly; SameSite=Strict; Max-Age=${SESSION_MS / 1000}${secure ? '; Secure' : ''}`,
    );
    return { id: principal.id, name: principal.name, csrf };
  }

  /** The signed-in approver, or one the request identifies by itself (then a session starts). */
  async function viewerOrAmbient(request: FastifyRequest, reply: FastifyReply): Promise<Viewer | undefined> {
    const viewer = await viewerOf(request);
    if (viewer) return viewer;
    const principal = await ambientApprover(request);
    if (!principal) return undefined;
    request.log.info({ principal: principal.id }, 'approval page: signed in by request identity');
    return startSession(reply, principal, undefined);
  }

  function renderList(viewer: Viewer, flash?: string) {
    const pending = gateway.approvals.store
      .list(['pending'])
      .filter((r) => r.expiresAt > Date.now())
      .reverse();
    const recent = gateway.approvals.store.list(['approved', 'denied', 'used'], 10);
    return listPage(pending, recent, viewer, flash);
  }

  app.get('/approvals', async (request, reply) => {
    const viewer = await viewerOrAmbient(request, reply);
    if (!viewer) return html(reply, 200, signInPage('/approvals'));
    return html(reply, 200, renderList(viewer));
  });

  app.get<{ Params: { id: string } }>('/approvals/:id', async (request, reply) => {
    const next = safeNext(`/approvals/${request.params.id}`);
    const viewer = await viewerOrAmbient(request, reply);
    if (!viewer) return html(reply, 200, signInPage(next));
    const record = gateway.approvals.store.get(request.params.id);
    if (!record)
      return html(
        reply,
        404,
        messagePage('Not found', `No approval request "${request.params.id}".`, viewer),
      );
    return html(reply, 200, layout('Approval request', approvalCard(record, viewer), viewer));
  });

  // Failed sign-ins count against the caller like failures on /mcp (one counter for both
  // doors); the token is checked first, so an approver is never locked out by someone else.
  app.post('/approvals/login', async (request, reply) => {
    if (crossSite(request, config))
      return html(reply, 403, messagePage('Refused', 'Cross-site sign-in refused.'));
    const next = safeNext(formField(request.body, 'next'));
    const token = formField(request.body, 'token')?.trim() ?? '';
    const locked = await authFailures.lockedFor(request);
    const principal = token ? await approverFor(token, request, locked > 0) : undefined;
    if (!principal) {
      request.log.warn({ ip: request.ip }, 'approval page: sign-in refused');
      const lockedFor = token ? await authFailures.fail(request) : 0;
      if (lockedFor > 0)
        return html(
          reply.header('retry-after', String(lockedFor)),
          429,
          signInPage(next, lockoutMessage(lockedFor)),
        );
      return html(
        reply,
        401,
        signInPage(next, 'That token is not valid here, or it lacks the approvals:grant permission.'),
      );
    }
    startSession(reply, principal, token);
    request.log.info({ principal: principal.id }, 'approval page: signed in');
    return reply.code(303).header('location', next).send();
  });

  app.post('/approvals/logout', async (request, reply) => {
    const sid = cookieValue(request.headers.cookie, SESSION_COOKIE);
    const session = sid ? sessions.get(sid) : undefined;
    if (
      sid &&
      session &&
      !crossSite(request, config) &&
      sameSecret(formField(request.body, 'csrf') ?? '', session.csrf)
    )
      sessions.delete(sid);
    reply.header('set-cookie', `${SESSION_COOKIE}=; Path=/approvals; HttpOnly; SameSite=Strict; Max-Age=0`);
    return reply.code(303).header('location', '/approvals').send();
  });

  app.post<{ Params: { id: string } }>('/approvals/:id/decide', async (request, reply) => {
    const viewer = await viewerOf(request);
    if (!viewer)
      return html(reply, 401, signInPage(safeNext(`/approvals/${request.params.id}`), 'Sign in again.'));
    if (crossSite(request, config) || !sameSecret(formField(request.body, 'csrf') ?? '', viewer.csrf)) {
      request.log.warn(
        { principal: viewer.id, approval_id: request.params.id },
        'approval page: CSRF check failed',
      );
      return html(
        reply,
        403,
        messagePage(
          'Refused',
          'This form did not come from the approval page (CSRF check failed); nothing was changed.',
          viewer,
        ),
      );
    }
    const choice = formField(request.body, 'decision');
    if (choice !== 'approve' && choice !== 'deny')
      return html(reply, 400, messagePage('Bad request', 'Choose Approve or Deny.', viewer));
    try {
      const record = await gateway.approvals.decide({
        id: request.params.id,
        decision: choice === 'approve' ? 'approved' : 'denied',
        approver: { id: viewer.id, name: viewer.name, via: 'page' },
        reason: formField(request.body, 'reason'),
        allowSelf: config.policy.allow_self_approval,
      });
      return html(
        reply,
        200,
        renderList(viewer, `${choice === 'approve' ? 'Approved' : 'Denied'}: ${record.summary}`),
      );
    } catch (error) {
      if (!isGatewayError(error)) throw error;
      return html(reply, error.httpStatus, messagePage('Not changed', error.message, viewer));
    }
  });
}
