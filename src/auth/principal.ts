import type { Permission } from '../policy/permissions.ts';

/** `system`: the gateway acting on its own (remediations); never the result of authentication. */
export type PrincipalKind = 'token' | 'oidc' | 'jwt' | 'tailnet' | 'anonymous' | 'system';

/** Who is calling, and what they may do. Built by a verifier, trusted by everything after it. */
export interface Principal {
  /** Stable identifier, unique across kinds (e.g. `token:tok_ab12`, `oidc:<iss>#<sub>`). */
  readonly id: string;
  readonly kind: PrincipalKind;
  /** Human-readable name: token name, login or e-mail. */
  readonly name: string;
  readonly roles: readonly string[];
  /** Every permission held, expanded (a level implies the lower ones). */
  readonly permissions: ReadonlySet<Permission>;
  readonly login?: string;
  readonly email?: string;
  /** OAuth client the credential was issued to, when known. */
  readonly clientId?: string;
  /** When the credential expires (epoch seconds), when known. */
  readonly expiresAt?: number;
  /**
   * System principals only: the tools it may run without an approval. Every other call
   * of a system principal needs one, whatever the rule of the tool's risk level.
   */
  readonly unattended?: ReadonlySet<string>;
}

/** The part of a principal written to audit records and logs. */
export function principalSummary(principal: Principal) {
  return {
    id: principal.id,
    kind: principal.kind,
    name: principal.name,
    ...(principal.login ? { login: principal.login } : {}),
    ...(principal.clientId ? { client_id: principal.clientId } : {}),
  };
}
