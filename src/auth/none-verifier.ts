import type { Config } from '../config/schema.ts';
import type { Principal } from './principal.ts';
import { permissionsFor } from './roles.ts';
import { accepted, type Verifier, type VerifyResult } from './verifier.ts';

/**
 * Mode `none`: every request is the anonymous principal with `auth.default_role`
 * (viewer when unset). Only allowed when the gateway listens on loopback; for
 * local trials and conformance tests.
 */
export class NoneVerifier implements Verifier {
  readonly mode = 'none';
  private readonly principal: Principal;

  constructor(config: Pick<Config, 'roles' | 'auth'>) {
    const roles = [config.auth.default_role ?? 'viewer'];
    this.principal = {
      id: 'anonymous',
      kind: 'anonymous',
      name: 'anonymous',
      roles,
      permissions: permissionsFor(config, roles),
    };
  }

  async verify(): Promise<VerifyResult> {
    return accepted(this.principal);
  }
}
