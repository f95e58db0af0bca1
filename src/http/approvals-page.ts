import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Principal } from '../auth/principal.ts';
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
import {
  crossSite,
  formField,
  type PageSignIn,
  registerFormParser,
  type SignedIn,
  sameSecret,
} from './ui/session.ts';

/** Where to go after signing in: a page of this gateway (the approval page or the dashboard), nothing else. */
function safeNext(next: string | undefined): string {
  return next && /^\/(approvals(\/[A-Za-z0-9_]+)?|ui(\/[a-z]*)?)$/.test(next) ? next : '/approvals';
}

/**
 * The approval page: an approver signs in with a token holding approvals:grant,
 * sees pending requests in full, and approves or denies them. Plain HTML forms,
 * no script; state changes are POSTs guarded by a per-session CSRF token, a
 * SameSite=Strict cookie and an Origin check.
 */
export async function approvalsPage(
  app: FastifyInstance,
  opts: { gateway: Gateway; signIn: PageSignIn; authFailures: AuthFailureLimit },
): Promise<void> {
  const { gateway, authFailures } = opts;
  const { config } = gateway;
  const { signIn } = opts;

  registerFormParser(app);
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

  /** A signed-in person who holds approvals:grant, as the page shows them. */
  function approver(signedIn: SignedIn | undefined): (Viewer & { principal: Principal }) | undefined {
    if (!signedIn?.principal.permissions.has('approvals:grant')) return undefined;
    const { principal, csrf } = signedIn;
    return { id: principal.id, name: principal.name, csrf, principal };
  }

  /** The signed-in approver, re-authenticated now; undefined when not (or no longer) signed in. */
  async function viewerOf(request: FastifyRequest) {
    return approver(await signIn.current(request));
  }

  /** The signed-in approver, or one the request identifies by itself (then a session starts). */
  async function viewerOrAmbient(request: FastifyRequest, reply: FastifyReply): Promise<Viewer | undefined> {
    return approver(await signIn.currentOrAmbient(request, reply));
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
  // doors); the token is checked first, so a person is never locked out by someone else.
  app.post('/approvals/login', async (request, reply) => {
    if (crossSite(request, config))
      return html(reply, 403, messagePage('Refused', 'Cross-site sign-in refused.'));
    const next = safeNext(formField(request.body, 'next'));
    const token = formField(request.body, 'token')?.trim() ?? '';
    const locked = await authFailures.lockedFor(request);
    const principal = token ? await signIn.byToken(token, request, locked > 0) : undefined;
    // The approval page needs approvals:grant; the dashboard (/ui) shows each person what they may see.
    const forApprovals = next.startsWith('/approvals');
    if (!principal || (forApprovals && !principal.permissions.has('approvals:grant'))) {
      request.log.warn({ ip: request.ip }, 'page sign-in refused');
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
        signInPage(
          next,
          forApprovals
            ? 'That token is not valid here, or it lacks the approvals:grant permission.'
            : 'That token is not valid here.',
        ),
      );
    }
    signIn.start(reply, principal, token);
    request.log.info({ principal: principal.id }, 'page signed in');
    return reply.code(303).header('location', next).send();
  });

  app.post('/approvals/logout', async (request, reply) => {
    const found = signIn.sessions.lookup(request);
    if (
      found &&
      !crossSite(request, config) &&
      sameSecret(formField(request.body, 'csrf') ?? '', found.session.csrf)
    )
      signIn.sessions.end(found.sid);
    signIn.sessions.clearCookie(reply);
    return reply
      .code(303)
      .header('location', safeNext(formField(request.body, 'next')))
      .send();
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
