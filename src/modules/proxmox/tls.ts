import { readFileSync } from 'node:fs';
import type { RequestOptions } from 'node:http';
import https from 'node:https';
import type { Duplex } from 'node:stream';
import tls from 'node:tls';
import { GatewayError } from '../../errors.ts';

/** "aa:bb:…" or "aabb…" → "AA:BB:…" (the form Node's fingerprint256 and `pvenode cert info` use). */
export function normalizeFingerprint(text: string): string {
  const hex = text.replace(/:/g, '').toUpperCase();
  return hex.match(/.{2}/g)?.join(':') ?? hex;
}

/** The certificate the API served is not the pinned one: refused before a single request byte is sent. */
export class CertificateChangedError extends Error {
  readonly pinned: string;
  readonly presented: string;
  constructor(pinned: string, presented: string) {
    super(`certificate fingerprint ${presented} does not match the pinned ${pinned}`);
    this.name = 'CertificateChangedError';
    this.pinned = pinned;
    this.presented = presented;
  }
}

interface PinnedAgentOptions extends https.AgentOptions {
  fingerprint: string;
  handshakeTimeoutMs: number;
}

/**
 * An HTTPS agent that accepts exactly one certificate, named by its SHA-256
 * fingerprint. Proxmox serves a certificate signed by its own cluster CA, which
 * no system trust store knows; instead of the chain, the pin decides: the TLS
 * handshake completes, the presented certificate is compared with the pin, and
 * only on a match is the socket handed to the request. A mismatch destroys the
 * socket before the request (and its token header) is written. This is stricter
 * than a CA: a different certificate from the same CA is refused too.
 */
class PinnedAgent extends https.Agent {
  private readonly fingerprint: string;
  private readonly handshakeTimeoutMs: number;

  constructor(options: PinnedAgentOptions) {
    const { fingerprint, handshakeTimeoutMs, ...rest } = options;
    super({ ...rest, maxCachedSessions: 0 });
    this.fingerprint = normalizeFingerprint(fingerprint);
    this.handshakeTimeoutMs = handshakeTimeoutMs;
  }

  override createConnection(
    options: RequestOptions,
    callback?: (error: Error | null, stream: Duplex) => void,
  ): undefined {
    let settled = false;
    const done = (error: Error | null, socket?: Duplex) => {
      if (settled) return;
      settled = true;
      callback?.(error, socket as Duplex);
    };
    // The chain is not what is trusted here (see the class comment): the exact-certificate check
    // below runs on every new socket before the agent may use it.
    const socket = tls.connect({
      ...(options as tls.ConnectionOptions),
      rejectUnauthorized: false,
      session: undefined,
    });
    socket.setTimeout(this.handshakeTimeoutMs, () =>
      socket.destroy(new Error(`no TLS handshake within ${this.handshakeTimeoutMs} ms`)),
    );
    socket.once('secureConnect', () => {
      socket.setTimeout(0);
      const presented = socket.getPeerCertificate()?.fingerprint256 ?? '(none)';
      if (presented !== this.fingerprint) {
        const error = new CertificateChangedError(this.fingerprint, presented);
        socket.destroy(error);
        done(error);
        return;
      }
      done(null, socket);
    });
    socket.once('error', (error) => done(error));
    return undefined;
  }
}

export interface TrustSettings {
  fingerprint?: string;
  caFile?: string;
  /** Bound on connecting and the TLS handshake of a new socket. */
  timeoutMs: number;
}

/** The agent for one cluster: a pinned certificate, a CA file, or the system trust store. */
export function createAgent(trust: TrustSettings): https.Agent {
  const common = { keepAlive: true, maxSockets: 8, keepAliveMsecs: 10_000 };
  if (trust.fingerprint)
    return new PinnedAgent({
      ...common,
      fingerprint: trust.fingerprint,
      handshakeTimeoutMs: trust.timeoutMs,
    });
  if (trust.caFile) {
    let ca: string;
    try {
      ca = readFileSync(trust.caFile, 'utf8');
    } catch (cause) {
      throw new GatewayError(
        'ERR_CONFIG_INVALID',
        `The Proxmox CA file ${trust.caFile} cannot be read (${(cause as NodeJS.ErrnoException).code ?? cause}); copy /etc/pve/pve-root-ca.pem from the host there, readable by the gateway user.`,
        { cause },
      );
    }
    return new https.Agent({ ...common, ca, rejectUnauthorized: true });
  }
  return new https.Agent({ ...common, rejectUnauthorized: true });
}

/** TLS verification failures Node reports for a certificate the trust settings do not accept. */
const UNTRUSTED_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_GET_ISSUER_CERT',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'CERT_SIGNATURE_FAILURE',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

export function isUntrustedCertificate(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && UNTRUSTED_CODES.has(code);
}
