import { decodeJwt, decodeProtectedHeader, errors as joseErrors, jwtVerify } from 'jose';
import type { Config } from '../config/schema.ts';
import type { Principal } from './principal.ts';
import { permissionsFor } from './roles.ts';
import type { TokenStore } from './token-store.ts';
import {
  type AuthRequest,
  accepted,
  NOT_MINE,
  rejected,
  type Verifier,
  type VerifyResult,
} from './verifier.ts';

const CREATE_HINT = 'create a new one with `tailwarden token create`';

/** Is this a JWT issued by this gateway's key? Decoding only; nothing is trusted yet. */
function isOurs(token: string, store: TokenStore): boolean {
  try {
    const header = decodeProtectedHeader(token);
    return header.kid === store.key.kid || decodeJwt(token).iss === store.issuer;
  } catch {
    return false;
  }
}

export class LocalTokenVerifier implements Verifier {
  readonly mode = 'token';

  private readonly store: TokenStore;
  private readonly config: Pick<Config, 'roles'>;

  constructor(store: TokenStore, config: Pick<Config, 'roles'>) {
    this.store = store;
    this.config = config;
  }

  async verify(request: AuthRequest): Promise<VerifyResult> {
    const token = request.bearer;
    if (!token || !isOurs(token, this.store)) return NOT_MINE;
    let jti: string | undefined;
    try {
      const { payload } = await jwtVerify(token, this.store.key.publicKey, {
        issuer: this.store.issuer,
        audience: this.store.issuer,
        algorithms: ['EdDSA'],
      });
      jti = payload.jti;
    } catch (error) {
      if (error instanceof joseErrors.JWTExpired) return rejected(`The token has expired; ${CREATE_HINT}.`);
      return rejected(`The token is not valid (${(error as Error).message}); ${CREATE_HINT}.`);
    }
    const record = jti ? this.store.get(jti) : undefined;
    if (!record) return rejected(`The token is not known to this gateway; ${CREATE_HINT}.`);
    if (record.revokedAt !== null)
      return rejected(`The token ${record.id} has been revoked; ${CREATE_HINT}.`);
    if (record.expiresAt !== null && record.expiresAt <= Date.now()) {
      return rejected(`The token has expired; ${CREATE_HINT}.`);
    }
    this.store.touch(record);
    const roles = record.role ? [record.role] : [];
    const principal: Principal = {
      id: `token:${record.id}`,
      kind: 'token',
      name: record.name,
      roles,
      permissions: permissionsFor(this.config, roles, record.permissions),
      ...(record.expiresAt !== null ? { expiresAt: Math.floor(record.expiresAt / 1000) } : {}),
    };
    return accepted(principal);
  }
}
