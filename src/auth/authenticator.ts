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
        throw new GatewayError('ERR_AUTH_INVALID_TOKEN', this.forClients(result.reason), {
          details: { mode: verifier.mode },
        });
      }
    }
    if (!request.hasAuthorization)
      throw new GatewayError('ERR_AUTH_REQUIRED', this.forClients(this.howToSignIn()));
    throw new GatewayError(
      'ERR_AUTH_INVALID_TOKEN',
      this.forClients(
        request.bearer
          ? `The bearer token is not valid for this gateway. ${this.howToSignIn().replace('Authentication required: ', 'To sign in: ')}`
          : 'The Authorization header must be "Bearer <token>".',
      ),
    );
  }

  /**
   * Without an OAuth mode, a client that gets a 401 still tries OAuth on its own (mcp-remote registers at
   * /register, the Inspector asks for a terminal) and dies with an error that hides this one: say plainly that
   * OAuth is not offered here and where the token goes.
   */
  private forClients(message: string): string {
    const modes = new Set(this.verifiers.map((v) => v.mode));
    if (modes.has('oidc') || modes.has('jwt')) return message;
    return `${message} This gateway offers no OAuth sign-in: give your MCP client the token as the header "Authorization: Bearer <token>" (mcp-remote: --header "Authorization:Bearer <token>").`;
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
