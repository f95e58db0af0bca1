/**
 * Every failure a caller can see is a GatewayError with a stable `code`.
 * The message is safe to show (no secrets, no stack) and says what to do;
 * `cause` keeps the underlying error for logs and the audit record only.
 */
export const ERROR_CODES = {
  ERR_AUTH_REQUIRED: 401,
  ERR_AUTH_INVALID_TOKEN: 401,
  ERR_AUTH_UNAVAILABLE: 503,
  ERR_PERMISSION_DENIED: 403,
  ERR_TOOL_DISABLED: 403,
  ERR_UNKNOWN_TOOL: 404,
  ERR_NOT_FOUND: 404,
  ERR_INPUT_REJECTED: 400,
  ERR_CONFIRMATION_DECLINED: 403,
  ERR_APPROVAL_PENDING: 202,
  ERR_APPROVAL_DENIED: 403,
  ERR_APPROVAL_INVALID: 403,
  ERR_POLICY_DENIED: 403,
  ERR_UPSTREAM_UNAVAILABLE: 503,
  ERR_UPSTREAM_FAILED: 502,
  ERR_TIMEOUT: 504,
  ERR_CONFLICT: 409,
  ERR_RATE_LIMITED: 429,
  ERR_SESSION_LIMIT: 503,
  ERR_SESSION_FORBIDDEN: 403,
  ERR_AUDIT_UNAVAILABLE: 503,
  ERR_CONFIG_INVALID: 500,
  ERR_INTERNAL: 500,
  ERR_HOST_KEY_UNTRUSTED: 502,
  ERR_STATE_UNAVAILABLE: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface GatewayErrorOptions {
  cause?: unknown;
  /** Extra, non-secret facts for the caller (e.g. the missing permission). */
  details?: Record<string, unknown>;
  /** Seconds a client should wait before retrying (503/429). */
  retryAfter?: number;
}

export class GatewayError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown> | undefined;
  readonly retryAfter: number | undefined;

  constructor(code: ErrorCode, message: string, options: GatewayErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'GatewayError';
    this.code = code;
    this.details = options.details;
    this.retryAfter = options.retryAfter;
  }

  get httpStatus(): number {
    return ERROR_CODES[this.code];
  }
}

export function isGatewayError(error: unknown): error is GatewayError {
  return error instanceof GatewayError;
}

/** Wrap anything thrown into a GatewayError; unknown errors become ERR_INTERNAL with a generic message. */
export function toGatewayError(error: unknown): GatewayError {
  if (isGatewayError(error)) return error;
  if (error instanceof Error && (error.name === 'AbortError' || error.name === 'TimeoutError')) {
    return new GatewayError('ERR_TIMEOUT', 'The operation was cancelled or timed out.', { cause: error });
  }
  if (isStateDbFault(error)) {
    return new GatewayError(
      'ERR_STATE_UNAVAILABLE',
      'The state database is locked, read-only or out of space; nothing was changed. Retry shortly; if it persists, check the state directory (another process holding a lock, permissions, disk space).',
      { cause: error, retryAfter: 5 },
    );
  }
  return new GatewayError('ERR_INTERNAL', 'Internal error; the gateway log has the details.', {
    cause: error,
  });
}

// SQLite primary result codes that mean "the database cannot be used right now", not a bug.
const SQLITE_UNAVAILABLE = new Set([
  5 /* BUSY */, 6 /* LOCKED */, 8 /* READONLY */, 10 /* IOERR */, 13 /* FULL */, 14 /* CANTOPEN */,
]);

function isStateDbFault(error: unknown): boolean {
  const e = error as { code?: unknown; errcode?: unknown } | null;
  return (
    typeof e === 'object' &&
    e !== null &&
    e.code === 'ERR_SQLITE_ERROR' &&
    typeof e.errcode === 'number' &&
    SQLITE_UNAVAILABLE.has(e.errcode & 0xff)
  );
}

/** A short description of the cause chain for logs and audit records (never shown to callers). */
export function describeCause(error: unknown): string | undefined {
  const cause = error instanceof GatewayError ? error.cause : error;
  if (cause === undefined) return undefined;
  if (cause instanceof Error) return `${cause.name}: ${cause.message}`.slice(0, 500);
  return String(cause).slice(0, 500);
}
