import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { GatewayError, isGatewayError } from '../../errors.ts';
import type { Gateway } from '../../gateway.ts';
import { signInPage } from '../approvals-html.ts';
import { type AuditQuery, approvals, auditSearch } from './data-records.ts';
import type { LiveHub } from './live.ts';
import { crossSite, type PageSignIn, type SignedIn } from './session.ts';
import { dashboardAssets, shellPage } from './shell.ts';
import { callForPage, isDashboardTool } from './tools.ts';
import { offerFor, VIEWS } from './views.ts';

const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

function refuse(reply: FastifyReply, error: GatewayError) {
  return reply.code(error.httpStatus).send({ error: { code: error.code, message: error.message } });
}

/**
 * The web dashboard at /ui (and / sends the browser there). It signs people in with the
 * approval page's sign-in (one session, one cookie), shows the views their tools/list allows,
 * and reads every figure by calling the tools through the call wrapper as them.
 */
export async function dashboard(
  app: FastifyInstance,
  opts: { gateway: Gateway; signIn: PageSignIn; live: LiveHub },
): Promise<void> {
  const { gateway, signIn, live } = opts;
  // Joined and hashed on the first page or asset request, not at start-up (~50 ms, and the scripts' text
  // stays out of memory on a gateway nobody opens in a browser).
  let built: ReturnType<typeof dashboardAssets> | undefined;
  const assets = () => (built ??= dashboardAssets());

  app.addHook('onSend', async (request, reply) => {
    reply.header('content-security-policy', CSP);
    reply.header('x-frame-options', 'DENY');
    reply.header('referrer-policy', 'same-origin');
    reply.header('x-content-type-options', 'nosniff');
    if (!request.url.startsWith('/ui/assets/')) reply.header('cache-control', 'no-store');
  });

  /** The signed-in person for an API request, or a refusal already sent. */
  async function person(request: FastifyRequest, reply: FastifyReply): Promise<SignedIn | undefined> {
    if (crossSite(request, gateway.config)) {
      refuse(reply, new GatewayError('ERR_PERMISSION_DENIED', 'Cross-site request refused.'));
      return undefined;
    }
    const signedIn = await signIn.current(request);
    if (!signedIn)
      refuse(
        reply,
        new GatewayError('ERR_AUTH_REQUIRED', 'Not signed in (or the sign-in ended): reload the page.'),
      );
    return signedIn;
  }

  /** The same for a request that changes something: it must also carry the session's CSRF token. */
  async function personChanging(request: FastifyRequest, reply: FastifyReply) {
    const signedIn = await person(request, reply);
    if (!signedIn) return undefined;
    const token = request.headers['x-csrf-token'];
    if (!signIn.sameSiteWithToken(request, signedIn, typeof token === 'string' ? token : undefined)) {
      refuse(
        reply,
        new GatewayError('ERR_PERMISSION_DENIED', 'CSRF check failed: reload the page; nothing was changed.'),
      );
      return undefined;
    }
    return signedIn;
  }

  app.get('/', async (_request, reply) => reply.code(302).header('location', '/ui').send());

  const page = async (request: FastifyRequest, reply: FastifyReply) => {
    const signedIn = await signIn.currentOrAmbient(request, reply);
    reply.type('text/html; charset=utf-8');
    if (!signedIn) return reply.send(signInPage('/ui'));
    return reply.send(shellPage(assets().urls, { name: signedIn.principal.name, csrf: signedIn.csrf }));
  };
  app.get('/ui', page);
  for (const view of VIEWS) app.get(`/ui/${view}`, page);

  app.get<{ Params: { file: string } }>('/ui/assets/:file', async (request, reply) => {
    const asset = assets().assets.get(request.params.file);
    if (!asset) return reply.code(404).send({ error: { code: 'ERR_NOT_FOUND', message: 'No such file.' } });
    return reply
      .type(asset.type)
      .header('cache-control', 'public, max-age=31536000, immutable')
      .send(asset.body);
  });

  app.get('/ui/api/me', async (request, reply) => {
    const signedIn = await person(request, reply);
    if (!signedIn) return reply;
    const { principal } = signedIn;
    return { id: principal.id, name: principal.name, ...offerFor(gateway, principal) };
  });

  app.post<{ Params: { tool: string } }>('/ui/api/call/:tool', async (request, reply) => {
    const signedIn = await personChanging(request, reply);
    if (!signedIn) return reply;
    const { tool } = request.params;
    if (!isDashboardTool(tool))
      return refuse(
        reply,
        new GatewayError('ERR_UNKNOWN_TOOL', `The dashboard does not call ${tool.slice(0, 64)}.`),
      );
    const abort = new AbortController();
    request.raw.on('close', () => abort.abort());
    const result = await callForPage(gateway, signedIn.principal, tool, request.body ?? {}, abort.signal);
    if (result.isError) {
      const text = result.content[0]?.type === 'text' ? result.content[0].text : 'The call failed.';
      return reply.code(422).send({ error: { message: text } });
    }
    if (!tool.startsWith('watch_') || tool.endsWith('list') || tool.endsWith('history'))
      return result.structuredContent;
    live.announce('alerts');
    return result.structuredContent;
  });

  app.get('/ui/api/approvals', async (request, reply) => {
    const signedIn = await person(request, reply);
    if (!signedIn) return reply;
    try {
      return approvals(gateway, signedIn.principal);
    } catch (error) {
      if (isGatewayError(error)) return refuse(reply, error);
      throw error;
    }
  });

  app.post<{ Params: { id: string }; Body: { decision?: string; reason?: string } }>(
    '/ui/api/approvals/:id',
    async (request, reply) => {
      const signedIn = await personChanging(request, reply);
      if (!signedIn) return reply;
      const { principal } = signedIn;
      const { decision, reason } = request.body ?? {};
      try {
        if (!principal.permissions.has('approvals:grant'))
          throw new GatewayError(
            'ERR_PERMISSION_DENIED',
            `Deciding approval requests needs approvals:grant, which ${principal.name} does not hold.`,
          );
        if (decision !== 'approve' && decision !== 'deny')
          throw new GatewayError('ERR_INPUT_REJECTED', 'decision must be "approve" or "deny".');
        const record = await gateway.approvals.decide({
          id: request.params.id,
          decision: decision === 'approve' ? 'approved' : 'denied',
          approver: { id: principal.id, name: principal.name, via: 'page' },
          reason: typeof reason === 'string' ? reason : undefined,
          allowSelf: gateway.config.policy.allow_self_approval,
        });
        live.announce('approvals');
        return { id: record.id, state: record.state };
      } catch (error) {
        if (isGatewayError(error)) return refuse(reply, error);
        throw error;
      }
    },
  );

  app.get<{ Querystring: AuditQuery }>('/ui/api/audit', async (request, reply) => {
    const signedIn = await person(request, reply);
    if (!signedIn) return reply;
    try {
      return await auditSearch(gateway, signedIn.principal, request.query);
    } catch (error) {
      if (isGatewayError(error)) return refuse(reply, error);
      throw error;
    }
  });

  app.get('/ui/events', async (request, reply) => {
    const signedIn = await person(request, reply);
    if (!signedIn) return reply;
    const refusal = live.refusal(signedIn.principal.id);
    if (refusal) return refuse(reply, new GatewayError('ERR_RATE_LIMITED', refusal));
    reply.hijack();
    live.open(reply.raw, signedIn.principal.id);
  });
}
