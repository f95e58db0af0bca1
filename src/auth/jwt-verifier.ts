import { decodeJwt, type JWTPayload } from 'jose';
import type { Config } from '../config/schema.ts';
import { GatewayError } from '../errors.ts';
import type { Logger } from '../log.ts';
import { jwtIssuers } from './config.ts';
import { JwtIssuer } from './jwt-issuer.ts';
import {
  type AuthRequest,
  type HealthReport,
  NOT_MINE,
  type Verifier,
  type VerifyResult,
} from './verifier.ts';

/**
 * Mode `jwt`: JWT access tokens from one or more issuers (auth.jwt and auth.jwt.issuers). The token's
 * unverified "iss" only chooses the issuer; the token is then verified with that issuer's keys, audience and
 * algorithms alone, so a token of one issuer is never checked against another's keys.
 */
export class JwtVerifier implements Verifier {
  readonly mode = 'jwt';
  private readonly issuers = new Map<string, JwtIssuer>();

  constructor(config: Config, log: Logger) {
    const settings = jwtIssuers(config.auth);
    if (settings.length === 0)
      throw new GatewayError(
        'ERR_CONFIG_INVALID',
        'auth mode "jwt" needs auth.jwt.issuer (TAILWARDEN_AUTH_JWT_ISSUER) or entries in auth.jwt.issuers.',
      );
    const child = log.child({ auth: 'jwt' });
    for (const entry of settings) {
      if (this.issuers.has(entry.issuer))
        throw new GatewayError(
          'ERR_CONFIG_INVALID',
          `${entry.key}.issuer ${entry.issuer} is configured twice; each issuer may appear once.`,
        );
      this.issuers.set(entry.issuer, new JwtIssuer(entry, config, child));
    }
  }

  async verify(request: AuthRequest): Promise<VerifyResult> {
    const token = request.bearer;
    if (token?.split('.').length !== 3) return NOT_MINE;
    let claimed: JWTPayload;
    try {
      claimed = decodeJwt(token);
    } catch {
      return NOT_MINE;
    }
    const issuer = typeof claimed.iss === 'string' ? this.issuers.get(claimed.iss) : undefined;
    return issuer ? issuer.verify(token) : NOT_MINE;
  }

  health(): HealthReport {
    const problems = [...this.issuers.values()]
      .map((issuer) => issuer.health())
      .filter((report) => report.status !== 'ok');
    return problems.length > 0
      ? { status: 'degraded', detail: problems.map((p) => p.detail).join('; ') }
      : { status: 'ok' };
  }
}
