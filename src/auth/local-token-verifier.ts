import { decodeJwt, decodeProtectedHeader, errors as joseErrors, jwtVerify } from 'jose';
import type { Config } from '../config/schema.ts';
import type { Principal } from './principal.ts';
import { permissionsFor } from './roles.ts';
import { tokenHash } from './token-cache.ts';
import type { TokenRecord, TokenStore } from './token-store.ts';
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

/** Signature checks remembered (by token hash, never the token) — Ed25519 verification dominates the hot path. */
const VERIFIED_CACHE_MAX = 10_000;

export class LocalTokenVerifier implements Verifier {
  readonly mode = 'token';

  private readonly store: TokenStore;
  private readonly config: Pick<Config, 'roles'>;
  /** sha256(token) → its token id, for tokens whose signature, issuer and audience verified. */
  private readonly verified = new Map<string, string>();
  /**
   * The principal of a token record, built once per record: the store hands out the same frozen record
   * until the token changes (or the database changed elsewhere), and roles do not change while running.
   */
  private readonly principals = new WeakMap<TokenRecord, Principal>();

  constructor(store: TokenStore, config: Pick<Config, 'roles'>) {
    this.store = store;
    this.config = config;
  }

  async verify(request: AuthRequest): Promise<VerifyResult> {
    const token = request.bearer;
    if (!token) return NOT_MINE;
    const hash = tokenHash(token);
    // Expiry and revocation are checked against the database below on every request, so a
    // cached signature check never outlives the token.
    const jti = this.verified.get(hash) ?? (await this.verifySignature(token, hash));
    if (typeof jti !== 'string') return jti;
    return this.principalFor(jti);
  }

  private async verifySignature(token: string, hash: string): Promise<string | VerifyResult> {
    if (!isOurs(token, this.store)) return NOT_MINE;
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
    if (!jti) return rejected(`The token has no id; ${CREATE_HINT}.`);
    if (this.verified.size >= VERIFIED_CACHE_MAX) this.verified.delete(this.verified.keys().next().value!);
    this.verified.set(hash, jti);
    return jti;
  }

  private principalFor(jti: string): VerifyResult {
    const record = this.store.get(jti);
    if (!record) return rejected(`The token is not known to this gateway; ${CREATE_HINT}.`);
    if (record.revokedAt !== null)
      return rejected(`The token ${record.id} has been revoked; ${CREATE_HINT}.`);
    if (record.expiresAt !== null && record.expiresAt <= Date.now()) {
      return rejected(`The token has expired; ${CREATE_HINT}.`);
    }
    this.store.touch(record);
    let principal = this.principals.get(record);
    if (!principal) {
      principal = this.principalOf(record);
      this.principals.set(record, principal);
    }
    return accepted(principal);
  }

  private principalOf(record: TokenRecord): Principal {
    const roles = record.role ? [record.role] : [];
    return {
      id: `token:${record.id}`,
      kind: 'token',
      name: record.name,
      roles,
      permissions: permissionsFor(this.config, roles, record.permissions),
      ...(record.expiresAt !== null ? { expiresAt: Math.floor(record.expiresAt / 1000) } : {}),
    };
  }
}
