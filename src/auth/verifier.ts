import type { IncomingHttpHeaders } from 'node:http';
import type { Principal } from './principal.ts';

/** What a verifier sees of a request. */
export interface AuthRequest {
  /** The bearer token, when an `Authorization: Bearer` header was sent. */
  readonly bearer: string | undefined;
  /** Whether any Authorization header was sent (a non-Bearer one is an invalid credential). */
  readonly hasAuthorization: boolean;
  readonly remoteAddress: string;
  readonly headers: IncomingHttpHeaders;
  /**
   * The caller is locked out for failed sign-ins: check what can be checked here
   * (signatures, earlier answers), but ask no identity provider about a credential
   * not seen before — that is the cost a guesser must not be able to impose.
   */
  readonly localOnly?: boolean;
}

export type VerifyResult =
  | { readonly outcome: 'accepted'; readonly principal: Principal }
  /** Not a credential this verifier knows: the next verifier is asked. */
  | { readonly outcome: 'not-mine' }
  /** This verifier's credential, and it is not valid: final (never shown to another verifier). */
  | { readonly outcome: 'rejected'; readonly reason: string };

export type HealthState = 'ok' | 'degraded' | 'unavailable';

export interface HealthReport {
  readonly status: HealthState;
  readonly detail?: string;
}

/**
 * One authentication mode. Throw a GatewayError with ERR_AUTH_UNAVAILABLE when
 * the credential cannot be checked right now (identity provider down).
 */
export interface Verifier {
  readonly mode: string;
  verify(request: AuthRequest): Promise<VerifyResult>;
  health?(): HealthReport | Promise<HealthReport>;
  close?(): Promise<void> | void;
}

export const NOT_MINE: VerifyResult = Object.freeze({ outcome: 'not-mine' });

export function rejected(reason: string): VerifyResult {
  return { outcome: 'rejected', reason };
}

export function accepted(principal: Principal): VerifyResult {
  return { outcome: 'accepted', principal };
}
