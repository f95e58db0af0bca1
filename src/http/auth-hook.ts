import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type Authenticator, authRequest } from '../auth/authenticator.ts';
import type { Principal } from '../auth/principal.ts';
import { GatewayError, toGatewayError } from '../errors.ts';
import { type ChallengeBuilder, sendAuthError } from './challenge.ts';
import type { GatewayMetrics } from './metrics.ts';

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
  }
}

export interface AuthHookOptions {
  authenticator: Authenticator;
  metrics: GatewayMetrics;
  challenge: ChallengeBuilder;
  /** Failed authentications per minute allowed from one client address. */
  failuresPerMinute: number;
}

/**
 * Authenticates the request (onRequest, before the body is read) and sets
 * `request.principal`. Failures count against the client address: past the
 * limit, the address gets 429 without its credentials being checked at all.
 */
export function authHook(app: FastifyInstance, options: AuthHookOptions) {
  const failures = app.createRateLimit({ max: options.failuresPerMinute, timeWindow: 60_000 });
  let outage = false;

  return async (request: FastifyRequest, reply: FastifyReply) => {
    const before = await failures(request, { increment: false });
    if (!before.isAllowed && before.remaining === 0) {
      reply.header('retry-after', String(before.ttlInSeconds));
      return sendAuthError(
        reply,
        new GatewayError(
          'ERR_RATE_LIMITED',
          `Too many failed authentications from this address; retry in ${before.ttlInSeconds}s.`,
        ),
        {},
      );
    }
    try {
      request.principal = await options.authenticator.authenticate(authRequest(request.headers, request.ip));
      if (outage) {
        outage = false;
        request.log.info('identity provider reachable again');
      }
    } catch (caught) {
      const error = toGatewayError(caught);
      options.metrics.authFailure(error.code);
      if (error.code === 'ERR_AUTH_UNAVAILABLE') {
        if (!outage)
          request.log.warn(
            { err: error.cause ?? error },
            'cannot verify credentials: identity provider unavailable',
          );
        outage = true;
        return sendAuthError(reply, error, {});
      }
      if (error.code !== 'ERR_AUTH_INVALID_TOKEN' && error.code !== 'ERR_AUTH_REQUIRED') {
        request.log.error({ err: caught }, 'authentication failed unexpectedly');
        return sendAuthError(
          reply,
          new GatewayError('ERR_AUTH_UNAVAILABLE', 'Credentials could not be checked; retry shortly.', {
            retryAfter: 5,
          }),
          {},
        );
      }
      await failures(request);
      const tokenSent = request.headers.authorization !== undefined;
      return sendAuthError(reply, error, options.challenge(error, tokenSent));
    }
  };
}
