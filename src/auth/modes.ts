import type { Config } from '../config/schema.ts';
import { GatewayError } from '../errors.ts';
import type { Logger } from '../log.ts';
import { isLoopbackAddress, parseListen } from '../util/listen.ts';
import { JwtVerifier } from './jwt-verifier.ts';
import { LocalTokenVerifier } from './local-token-verifier.ts';
import { NoneVerifier } from './none-verifier.ts';
import { IntrospectionVerifier } from './oidc/introspection-verifier.ts';
import { TailnetVerifier } from './tailnet-verifier.ts';
import type { TokenStore } from './token-store.ts';
import type { Verifier } from './verifier.ts';

export interface VerifierDeps {
  config: Config;
  log: Logger;
  tokens: TokenStore;
}

/** One verifier per enabled mode, in the configured order. */
export function createVerifiers(deps: VerifierDeps): Verifier[] {
  const { config, log } = deps;
  return config.auth.modes.map((mode): Verifier => {
    switch (mode) {
      case 'token':
        return new LocalTokenVerifier(deps.tokens, config);
      case 'none': {
        const { host } = parseListen(config.listen);
        if (!isLoopbackAddress(host)) {
          throw new GatewayError(
            'ERR_CONFIG_INVALID',
            `auth mode "none" is only allowed when the gateway listens on loopback (listen is ${config.listen}); use --listen 127.0.0.1:PORT or another auth mode.`,
          );
        }
        log.warn(
          'auth mode "none": every local request is accepted without credentials (for trials and conformance tests only)',
        );
        return new NoneVerifier(config);
      }
      case 'oidc':
        return new IntrospectionVerifier(config, log);
      case 'jwt':
        return new JwtVerifier(config, log);
      case 'tailnet':
        return new TailnetVerifier(config, log);
      default:
        throw new GatewayError('ERR_CONFIG_INVALID', `unknown auth mode "${mode as string}"`);
    }
  });
}
