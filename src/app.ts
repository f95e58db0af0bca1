import rateLimit from '@fastify/rate-limit';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import { authRequest } from './auth/authenticator.ts';
import type { Config } from './config/schema.ts';
import type { Gateway } from './gateway.ts';
import { approvalsPage } from './http/approvals-page.ts';
import { AuthFailureLimit } from './http/auth-failures.ts';
import { authHook } from './http/auth-hook.ts';
import { isDirectLoopback } from './http/caller.ts';
import { type ChallengeBuilder, defaultChallenge } from './http/challenge.ts';
import { answerClientError } from './http/client-error.ts';
import { registerErrorHandlers } from './http/error-handler.ts';
import { overallState, registerHealthRoutes } from './http/health.ts';
import { hostGuard } from './http/host-guard.ts';
import { InflightResponses } from './http/inflight.ts';
import { mcpDoors } from './http/mcp-doors.ts';
import { registerMcpRoute } from './http/mcp-route.ts';
import { GatewayMetrics } from './http/metrics.ts';
import { registerOAuthAbsent } from './http/oauth-absent.ts';
import { oauthChallenge, registerProtectedResource, roleRequiredHook } from './http/protected-resource.ts';
import { SessionStore } from './http/sessions.ts';
import { LiveHub } from './http/ui/live.ts';
import { dashboard } from './http/ui/routes.ts';
import { PageSignIn } from './http/ui/session.ts';

export interface AppOptions {
  /** Builds WWW-Authenticate parameters for 401s (identity modes add resource metadata). */
  challenge?: ChallengeBuilder;
  /** Process-wide metrics (event loop, memory); off in tests that build many apps. */
  processMetrics?: boolean;
}

const UNGUARDED = new Set(['/health', '/ready']);

/**
 * The HTTP face of a started gateway. Never listens (callers do, tests inject).
 * Closing the app drains calls, closes sessions, then closes the gateway.
 */
/** How long aborted calls get to send their error answers during shutdown. */
const ABORTED_ANSWER_MS = 1000;

export async function buildApp(
  config: Config,
  gateway: Gateway,
  options: AppOptions = {},
): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: gateway.log as unknown as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: config.http.body_limit,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    clientErrorHandler: answerClientError,
  });
  const inflight = new InflightResponses();
  const sessions = new SessionStore(
    {
      max: config.http.max_sessions,
      maxPerPrincipal: config.http.max_sessions_per_principal,
      idleMs: config.http.session_idle_timeout,
    },
    gateway.log,
  );
  const metrics = new GatewayMetrics(() => sessions.size, { processMetrics: options.processMetrics });
  const doors = mcpDoors(config, gateway, inflight, metrics);

  await app.register(rateLimit, { global: false });
  registerErrorHandlers(app, config.http.body_limit);
  const authFailures = new AuthFailureLimit(app, {
    max: config.rate_limit.auth_failures,
    trustServeIdentity: config.auth.tailnet.behind_serve,
  });

  app.addHook('onRequest', async (request, reply) => {
    const started = performance.now();
    reply.raw.once('close', () => {
      const seconds = (performance.now() - started) / 1000;
      const route = request.routeOptions.url ?? 'unmatched';
      metrics.httpRequest(request.method, route, reply.raw.statusCode, seconds);
      const level = UNGUARDED.has(route) ? 'debug' : 'info';
      request.log[level](
        {
          method: request.method,
          url: request.url,
          status: reply.raw.statusCode,
          ms: Math.round(seconds * 1000),
          principal: request.principal?.id,
          session: request.headers['mcp-session-id'],
          ip: request.ip,
        },
        'request',
      );
    });
  });
  const guard = hostGuard(config);
  app.addHook('onRequest', async (request, reply) => {
    if (!UNGUARDED.has(request.url.split('?')[0]!)) return guard(request, reply);
  });

  registerHealthRoutes(app, async () => {
    const checks = await gateway.health();
    return { status: overallState(checks, ['audit', 'state']), checks };
  });

  registerProtectedResource(app, config);
  registerOAuthAbsent(app, config);
  app.get('/metrics', async (request, reply) => {
    if (!config.http.metrics)
      return reply.code(404).send({ error: 'not_found', message: 'Metrics are disabled (http.metrics).' });
    if (!isDirectLoopback(request)) {
      const locked = await authFailures.lockedFor(request);
      const principal = await gateway.authenticator
        .authenticate(authRequest(request.headers, request.ip, { localOnly: locked > 0 }))
        .catch(async () => {
          if (request.headers.authorization !== undefined) await authFailures.fail(request);
          return undefined;
        });
      if (!principal?.permissions.has('metrics:read')) {
        return reply.code(403).send({
          error: 'forbidden',
          message: 'Metrics need the metrics:read permission from non-local callers.',
        });
      }
    }
    return reply.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });

  await app.register(async (mcp) => {
    mcp.addHook(
      'onRequest',
      authHook({
        authenticator: gateway.authenticator,
        metrics,
        challenge: options.challenge ?? oauthChallenge(config) ?? defaultChallenge,
        failures: authFailures,
      }),
    );
    mcp.addHook('onRequest', roleRequiredHook(config));
    mcp.addHook(
      'onRequest',
      mcp.rateLimit({
        max: config.rate_limit.per_principal,
        timeWindow: 60_000,
        keyGenerator: (request) => request.principal?.id ?? request.ip,
      }),
    );
    registerMcpRoute(mcp, sessions, doors.deps, inflight, doors.modern);
  });

  const signIn = new PageSignIn(gateway, config.dashboard.session_lifetime);
  await app.register(approvalsPage, { gateway, signIn, authFailures });
  const live = new LiveHub(gateway, {
    maxStreams: config.dashboard.max_streams,
    maxPerPrincipal: config.dashboard.max_streams_per_principal,
    lifetimeMs: config.dashboard.stream_lifetime,
    watchEveryMs: config.dashboard.refresh_every,
  });
  if (config.dashboard.enabled) await app.register(dashboard, { gateway, signIn, live });

  // Shutdown: let calls finish and their answers reach the client (bounded by shutdown_grace),
  // abort what is left, give the aborted calls a moment to answer, then close the sessions.
  app.addHook('preClose', async () => {
    live.closeAll();
    await inflight.drain(config.http.shutdown_grace);
    await gateway.caller.drain(0);
    await inflight.drain(ABORTED_ANSWER_MS);
    await doors.close();
    await sessions.closeAll();
  });
  app.addHook('onClose', async () => {
    await gateway.close();
  });
  return app;
}
