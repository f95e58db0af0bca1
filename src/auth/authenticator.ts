import type { IncomingHttpHeaders } from 'node:http';
import { GatewayError } from '../errors.ts';
import type { Principal } from './principal.ts';
import type { AuthRequest, HealthReport, Verifier } from './verifier.ts';

export function parseAuthorization(header: string | undefined): { bearer?: string; present: boolean } {
  if (header === undefined) return { present: false };
  const match = /^Bearer\s+([A-Za-z0-9\-._~+/]+=*)\s*$/i.exec(header);
  return { present: true, bearer: match?.[1] };
}

export function authRequest(
  headers: IncomingHttpHeaders,
  remoteAddress: string,
  options: { localOnly?: boolean } = {},
): AuthRequest {
  const auth = parseAuthorization(headers.authorization);
  return { bearer: auth.bearer, hasAuthorization: auth.present, remoteAddress, headers, ...options };
}

/**
 * Tries each enabled verifier in order. The first to accept wins; a rejection is
 * final, so a token one verifier recognises is never shown to another (and never
 * sent to an identity provider it was not issued by).
 */
export class Authenticator {
  readonly verifiers: readonly Verifier[];

  constructor(verifiers: readonly Verifier[]) {
    if (verifiers.length === 0) throw new Error('no authentication mode is enabled');
    this.verifiers = verifiers;
  }

  async authenticate(request: AuthRequest): Promise<Principal> {
    for (const verifier of this.verifiers) {
      const result = await verifier.verify(request);
      if (result.outcome === 'accepted') return result.principal;
      if (result.outcome === 'rejected') {
        throw new GatewayError('ERR_AUTH_INVALID_TOKEN', result.reason, { details: { mode: verifier.mode } });
      }
    }
    if (!request.hasAuthorization) throw new GatewayError('ERR_AUTH_REQUIRED', this.howToSignIn());
    throw new GatewayError(
      'ERR_AUTH_INVALID_TOKEN',
      request.bearer
        ? 'The bearer token is not valid for this gateway.'
        : 'The Authorization header must be "Bearer <token>".',
    );
  }

  /** What a caller without credentials should do, for the modes this gateway has. */
  private howToSignIn(): string {
    const modes = new Set(this.verifiers.map((v) => v.mode));
    const ways: string[] = [];
    if (modes.has('oidc') || modes.has('jwt'))
      ways.push('sign in through your MCP client (OAuth; the 401 names the authorization server metadata)');
    if (modes.has('token')) ways.push('send a local token (create one with `tailwarden token create`)');
    if (modes.has('tailnet')) ways.push('connect from a device on the tailnet');
    return `Authentication required: ${ways.join(', or ') || 'send "Authorization: Bearer <token>"'}.`;
  }

  async health(): Promise<Record<string, HealthReport>> {
    const entries = await Promise.all(
      this.verifiers.map(
        async (v) => [v.mode, v.health ? await v.health() : { status: 'ok' as const }] as const,
      ),
    );
    return Object.fromEntries(entries);
  }

  async close(): Promise<void> {
    await Promise.all(this.verifiers.map((v) => v.close?.()));
  }
}
