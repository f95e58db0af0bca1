import type { FastifyReply } from 'fastify';
import type { GatewayError } from '../errors.ts';

export interface ChallengeParams {
  error?: 'invalid_token' | 'insufficient_scope' | 'invalid_request';
  description?: string;
  scope?: string;
  resourceMetadata?: string;
}

/** A `WWW-Authenticate: Bearer ...` value (RFC 6750 / RFC 9728); quotes and controls stripped from values. */
export function bearerChallenge(params: ChallengeParams): string {
  const clean = (v: string) => v.replace(/["\\\r\n]/g, "'").slice(0, 400);
  const parts = ['realm="tailwarden"'];
  if (params.resourceMetadata) parts.push(`resource_metadata="${clean(params.resourceMetadata)}"`);
  if (params.error) parts.push(`error="${params.error}"`);
  if (params.description) parts.push(`error_description="${clean(params.description)}"`);
  if (params.scope) parts.push(`scope="${clean(params.scope)}"`);
  return `Bearer ${parts.join(', ')}`;
}

/** Builds the challenge for an authentication failure; identity modes may add resource metadata. */
export type ChallengeBuilder = (error: GatewayError, tokenSent: boolean) => ChallengeParams;

export const defaultChallenge: ChallengeBuilder = (error, tokenSent) =>
  tokenSent ? { error: 'invalid_token', description: error.message } : {};

const STATUS_ERRORS: Record<number, string> = {
  401: 'unauthorized',
  403: 'forbidden',
  429: 'rate_limited',
  503: 'unavailable',
};

export function sendAuthError(
  reply: FastifyReply,
  error: GatewayError,
  challenge: ChallengeParams,
): FastifyReply {
  if (error.httpStatus === 401) reply.header('www-authenticate', bearerChallenge(challenge));
  if (error.retryAfter !== undefined) reply.header('retry-after', String(error.retryAfter));
  return reply.code(error.httpStatus).send({
    error: challenge.error ?? STATUS_ERRORS[error.httpStatus] ?? 'error',
    error_description: error.message,
    code: error.code,
  });
}
