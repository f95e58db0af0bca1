import type { FastifyReply, FastifyRequest } from 'fastify';
import { type Authenticator, authRequest } from '../auth/authenticator.ts';
import type { Principal } from '../auth/principal.ts';
import { GatewayError, toGatewayError } from '../errors.ts';
import { type AuthFailureLimit, lockoutMessage } from './auth-failures.ts';
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
  /** Failed sign-ins counted per caller; shared with the other doors that check credentials. */
  failures: AuthFailureLimit;
}

/**
 * Authenticates the request (onRequest, before the body is read) and sets
 * `request.principal`. The credential is always checked first, so a valid one gets
 * through whoever else is failing from the same place; only a failure counts
 * against the caller, and past the limit failures are answered 429 instead of 401.
 * A request without any credential is not a failure (clients start OAuth that way).
 */
export function authHook(options: AuthHookOptions) {
  let outage = false;

  return async (request: FastifyRequest, reply: FastifyReply) => {
    const locked = await options.failures.lockedFor(request);
    try {
      request.principal = await options.authenticator.authenticate(
        authRequest(request.headers, request.ip, { localOnly: locked > 0 }),
      );
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
      const tokenSent = request.headers.authorization !== undefined;
      if (error.code === 'ERR_AUTH_INVALID_TOKEN') {
        const lockedFor = await options.failures.fail(request);
        if (lockedFor > 0)
          return sendAuthError(
            reply,
            new GatewayError('ERR_RATE_LIMITED', lockoutMessage(lockedFor), { retryAfter: lockedFor }),
            {},
          );
      }
      return sendAuthError(reply, error, options.challenge(error, tokenSent));
    }
  };
}
