import { X509Certificate } from 'node:crypto';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect as netConnect } from 'node:net';
import { type PeerCertificate, connect as tlsConnect } from 'node:tls';
import { GatewayError } from '../../errors.ts';
import type { NetGuard } from './net-guard.ts';

/**
 * Open a TCP connection and close it; resolves the connect time, or the error code
 * and how long it took to come (a refusal is the host's own answer, so it has a time).
 */
export function tcpConnect(
  address: string,
  port: number,
  timeoutMs: number,
): Promise<{ ok: true; ms: number } | { ok: false; error: string; ms: number }> {
  return new Promise((resolve) => {
    const started = performance.now();
    const elapsed = () => Math.round((performance.now() - started) * 10) / 10;
    const socket = netConnect({ host: address, port, timeout: timeoutMs });
    const done = (result: { ok: true; ms: number } | { ok: false; error: string; ms: number }) => {
      socket.destroy();
      resolve(result);
    };
    socket.once('connect', () => done({ ok: true, ms: elapsed() }));
    socket.once('timeout', () => done({ ok: false, error: 'ETIMEDOUT', ms: elapsed() }));
    socket.once('error', (e: NodeJS.ErrnoException) =>
      done({ ok: false, error: e.code ?? e.message, ms: elapsed() }),
    );
  });
}

export interface CertInfo {
  subject: string;
  issuer: string;
  sans: string[];
  valid_from: string;
  valid_to: string;
  days_left: number;
  serial: string;
  fingerprint_sha256: string;
}

function describeCert(cert: X509Certificate): CertInfo {
  const validTo = new Date(cert.validTo);
  return {
    subject: cert.subject.replace(/\n/g, ', '),
    issuer: cert.issuer.replace(/\n/g, ', '),
    sans: (cert.subjectAltName ?? '').split(', ').filter(Boolean),
    valid_from: new Date(cert.validFrom).toISOString(),
    valid_to: validTo.toISOString(),
    days_left: Math.floor((validTo.getTime() - Date.now()) / 86_400_000),
    serial: cert.serialNumber,
    fingerprint_sha256: cert.fingerprint256,
  };
}

/** TLS handshake against a checked address; reports the chain whether or not it verifies. */
export function tlsInspect(address: string, port: number, servername: string | undefined, timeoutMs: number) {
  return new Promise<{
    authorized: boolean;
    authorization_error: string | null;
    protocol: string | null;
    chain: CertInfo[];
  }>((resolve, reject) => {
    const socket = tlsConnect({
      host: address,
      port,
      servername,
      rejectUnauthorized: false,
      timeout: timeoutMs,
    });
    socket.once('secureConnect', () => {
      const chain: CertInfo[] = [];
      let peer: PeerCertificate | undefined = socket.getPeerCertificate(true);
      const seen = new Set<string>();
      while (peer?.raw && !seen.has(peer.fingerprint256)) {
        seen.add(peer.fingerprint256);
        chain.push(describeCert(new X509Certificate(peer.raw)));
        peer = (peer as PeerCertificate & { issuerCertificate?: PeerCertificate }).issuerCertificate;
      }
      const error = socket.authorizationError;
      resolve({
        authorized: socket.authorized,
        authorization_error: error ? String(error) : null,
        protocol: socket.getProtocol(),
        chain,
      });
      socket.destroy();
    });
    socket.once('timeout', () => {
      socket.destroy();
      reject(
        new GatewayError('ERR_TIMEOUT', `No TLS handshake from ${address}:${port} within ${timeoutMs} ms.`),
      );
    });
    socket.once('error', (e: NodeJS.ErrnoException) =>
      reject(
        new GatewayError(
          'ERR_UPSTREAM_FAILED',
          `TLS connection to ${address}:${port} failed: ${e.code ?? e.message}.`,
        ),
      ),
    );
  });
}

export interface ProbeHop {
  url: string;
  address: string;
  status: number;
  location: string | null;
}

/**
 * GET/HEAD a URL, following redirects by hand so every hop is resolved and
 * checked by the guard, and connecting to the checked address (no second
 * lookup an attacker's DNS could answer differently).
 */
export async function httpProbe(
  guard: NetGuard,
  start: string,
  options: {
    method: 'GET' | 'HEAD';
    timeoutMs: number;
    maxBytes: number;
    maxRedirects: number;
    signal: AbortSignal;
  },
) {
  const hops: ProbeHop[] = [];
  let url = new URL(start);
  for (;;) {
    if (url.protocol !== 'http:' && url.protocol !== 'https:')
      throw new GatewayError(
        'ERR_INPUT_REJECTED',
        `Only http and https URLs can be probed, not ${url.protocol}`,
      );
    if (url.username || url.password)
      throw new GatewayError('ERR_INPUT_REJECTED', 'URLs with credentials are not probed.');
    const { addresses } = await guard.resolve(url.hostname);
    const address = addresses[0]!;
    const started = performance.now();
    const response = await new Promise<IncomingMessage>((resolve, reject) => {
      const requester = url.protocol === 'https:' ? httpsRequest : httpRequest;
      const req = requester(url, {
        method: options.method,
        timeout: options.timeoutMs,
        signal: options.signal,
        headers: { 'user-agent': 'tailwarden-probe', accept: '*/*' },
        // Node asks with { all: true } (happy eyeballs) and then wants a list; answering with a
        // single address made every probe of a host *name* fail with ERR_INVALID_IP_ADDRESS.
        lookup: (_host, opts, cb) => {
          const family = address.includes(':') ? 6 : 4;
          if ((opts as { all?: boolean }).all)
            (cb as (e: null, a: { address: string; family: number }[]) => void)(null, [{ address, family }]);
          else (cb as (e: null, a: string, f: number) => void)(null, address, family);
        },
        rejectUnauthorized: false,
      });
      req.once('response', resolve);
      req.once('timeout', () =>
        req.destroy(
          new GatewayError('ERR_TIMEOUT', `${url.host} did not answer within ${options.timeoutMs} ms.`),
        ),
      );
      req.once('error', reject);
      req.end();
    }).catch((error: NodeJS.ErrnoException) => {
      if (error instanceof GatewayError) throw error;
      throw new GatewayError(
        'ERR_UPSTREAM_FAILED',
        `${options.method} ${url.href} failed: ${error.code ?? error.message}.`,
      );
    });
    const status = response.statusCode ?? 0;
    const location = response.headers.location ?? null;
    hops.push({ url: url.href, address, status, location });
    if (status >= 300 && status < 400 && location && hops.length <= options.maxRedirects) {
      response.resume();
      url = new URL(location, url);
      continue;
    }
    let bytes = 0;
    const chunks: Buffer[] = [];
    let truncated = false;
    for await (const chunk of response as AsyncIterable<Buffer>) {
      const room = options.maxBytes - bytes;
      if (room <= 0) {
        truncated = true;
        break;
      }
      chunks.push(chunk.subarray(0, room));
      bytes += Math.min(room, chunk.length);
      if (chunk.length > room) truncated = true;
    }
    response.destroy();
    const body = Buffer.concat(chunks);
    const type = String(response.headers['content-type'] ?? '');
    return {
      final_url: url.href,
      status,
      hops,
      headers: Object.fromEntries(
        ['content-type', 'content-length', 'server', 'location', 'cache-control', 'strict-transport-security']
          .filter((h) => response.headers[h] !== undefined)
          .map((h) => [h, String(response.headers[h])]),
      ),
      time_ms: Math.round((performance.now() - started) * 10) / 10,
      body_bytes: bytes,
      body_truncated: truncated,
      body_preview: /^(text\/|application\/(json|xml|javascript))/.test(type)
        ? body.toString('utf8', 0, 2000)
        : null,
    };
  }
}
