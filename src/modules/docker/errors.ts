import { GatewayError, isGatewayError } from '../../errors.ts';

interface EngineError {
  name?: string;
  code?: string;
  statusCode?: number;
  reason?: string;
  json?: { message?: string } | null;
  message?: string;
  address?: string;
}

/** The engine's own message for an HTTP error (docker-modem puts it in `json.message`). */
export function engineMessage(error: unknown): string {
  const e = error as EngineError;
  if (e?.json?.message) return String(e.json.message).trim().slice(0, 500);
  // Streamed endpoints (pull) leave json empty; the engine's text follows "(HTTP code N) reason - ".
  const text = String(e?.message ?? error).replace(/^\(HTTP code \d+\) [^-]*- /, '');
  return text.trim().slice(0, 500) || (e?.reason ?? 'unknown error');
}

const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ENOENT', 'ETIMEDOUT']);

/**
 * The one place Docker engine failures become GatewayErrors. `what` names the
 * object the call was about ("container web"), so the message says what failed.
 */
export function dockerError(error: unknown, what: string, socket: string): GatewayError {
  if (isGatewayError(error)) return error;
  const e = (error ?? {}) as EngineError;
  if (e.code === 'EACCES' || e.code === 'EPERM') {
    return new GatewayError(
      'ERR_UPSTREAM_UNAVAILABLE',
      `Permission denied on the Docker socket ${socket}. Add the gateway's user to the "docker" group (then restart the gateway), or point modules.docker.socket at a socket it may use.`,
      { cause: error },
    );
  }
  if (e.code === 'ENOENT' && e.statusCode === undefined) {
    return new GatewayError(
      'ERR_UPSTREAM_UNAVAILABLE',
      `No Docker socket at ${socket}. Is Docker installed and running (systemctl start docker)? Otherwise set modules.docker.socket (TAILWARDEN_DOCKER_SOCKET).`,
      { cause: error, retryAfter: 10 },
    );
  }
  if (e.code && CONNECTION_CODES.has(e.code)) {
    return new GatewayError(
      'ERR_UPSTREAM_UNAVAILABLE',
      `The Docker engine at ${socket} is not answering (${e.code}); it may be stopped or restarting. Start it (systemctl start docker) and retry.`,
      { cause: error, retryAfter: 10 },
    );
  }
  if (e.name === 'AbortError')
    return new GatewayError('ERR_TIMEOUT', `${what}: cancelled.`, { cause: error });
  const message = engineMessage(error);
  switch (e.statusCode) {
    case 404:
      return new GatewayError('ERR_NOT_FOUND', `${what}: ${message}.`, { cause: error });
    case 409:
      return new GatewayError('ERR_CONFLICT', `${what}: ${message}.`, { cause: error });
    case 400:
      return new GatewayError('ERR_INPUT_REJECTED', `${what}: ${message}.`, { cause: error });
    case 500:
    case 502:
    case 503:
      return new GatewayError('ERR_UPSTREAM_FAILED', `${what}: the Docker engine failed: ${message}.`, {
        cause: error,
      });
    default:
      if (e.statusCode !== undefined) {
        return new GatewayError('ERR_UPSTREAM_FAILED', `${what}: ${message} (HTTP ${e.statusCode}).`, {
          cause: error,
        });
      }
      return new GatewayError('ERR_UPSTREAM_FAILED', `${what}: ${message}`, { cause: error });
  }
}
