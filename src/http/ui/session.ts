import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { authRequest } from '../../auth/authenticator.ts';
import type { Principal } from '../../auth/principal.ts';
import type { Config } from '../../config/schema.ts';
import type { Gateway } from '../../gateway.ts';

/**
 * Browser sign-in shared by the gateway's pages (the approval page, the dashboard): a
 * random session id in an HttpOnly SameSite=Strict cookie, a per-session CSRF token,
 * and the same-site checks every state-changing request passes first.
 */

export interface PageSession {
  /**
   * The token typed in at sign-in, kept in memory only so every request re-checks it (a
   * revoked token ends the session at once). Absent for an ambient sign-in (an identity
   * the request itself proves, such as tailnet WhoIs), which is re-checked the same way.
   */
  token: string | undefined;
  principalId: string;
  csrf: string;
  expiresAt: number;
}

export function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const [key, ...rest] = part.trim().split('=');
    if (key === name) return rest.join('=');
  }
  return undefined;
}

export function formField(body: unknown, name: string): string | undefined {
  const value = (body as Record<string, unknown> | undefined)?.[name];
  return typeof value === 'string' ? value : undefined;
}

/** Only same-site requests: a cross-site Origin or Sec-Fetch-Site is refused before anything else. */
export function crossSite(request: FastifyRequest, config: Pick<Config, 'public_url'>): boolean {
  const site = request.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') return true;
  const origin = request.headers.origin;
  if (origin === undefined) return false;
  try {
    const host = new URL(origin).host;
    const publicHost = config.public_url ? new URL(config.public_url).host : undefined;
    return host !== request.headers.host && host !== publicHost;
  } catch {
    return true; // "null" and other opaque origins
  }
}

/** Plain HTML form posts (sign-in, decisions), parsed once per app and size-capped. */
export function registerFormParser(app: FastifyInstance): void {
  if (app.hasContentTypeParser('application/x-www-form-urlencoded')) return;
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string', bodyLimit: 16 * 1024 },
    (_request, body, done) => done(null, Object.fromEntries(new URLSearchParams(body as string))),
  );
}

export interface SessionOptions {
  cookie: string;
  /** The cookie's Path: the pages that share this sign-in. */
  path: string;
  secure: boolean;
  lifetimeMs: number;
  max: number;
}

/** Sessions of one page family, in memory (a restart signs everyone out), bounded in number. */
export class PageSessions {
  private readonly sessions = new Map<string, PageSession>();
  private readonly options: SessionOptions;

  constructor(options: SessionOptions) {
    this.options = options;
  }

  get size(): number {
    return this.sessions.size;
  }

  /** The session the request's cookie names, if it exists and has not expired. */
  lookup(request: FastifyRequest): { sid: string; session: PageSession } | undefined {
    const sid = cookieValue(request.headers.cookie, this.options.cookie);
    const session = sid ? this.sessions.get(sid) : undefined;
    if (!sid || !session) return undefined;
    if (session.expiresAt <= Date.now()) {
      this.sessions.delete(sid);
      return undefined;
    }
    return { sid, session };
  }

  /** Start a session for a principal (the oldest one goes when the table is full) and set its cookie. */
  start(
    reply: FastifyReply,
    principal: Principal,
    token: string | undefined,
  ): { sid: string; session: PageSession } {
    if (this.sessions.size >= this.options.max) {
      const oldest = this.sessions.keys().next().value;
      if (oldest) this.sessions.delete(oldest);
    }
    const sid = randomBytes(32).toString('base64url');
    const session: PageSession = {
      token,
      principalId: principal.id,
      csrf: randomBytes(32).toString('base64url'),
      expiresAt: Date.now() + this.options.lifetimeMs,
    };
    this.sessions.set(sid, session);
    const { cookie, path, lifetimeMs, secure } = this.options;
    reply.header(
      'set-cookie',
      `${cookie}=${sid}; Path=${path}; HttpOnly; SameSite=Strict; Max-Age=${Math.floor(lifetimeMs / 1000)}${secure ? '; Secure' : ''}`,
    );
    return { sid, session };
  }

  end(sid: string): void {
    this.sessions.delete(sid);
  }

  /** Clear the cookie in the browser (the session itself is ended with `end`). */
  clearCookie(reply: FastifyReply): void {
    const { cookie, path } = this.options;
    reply.header('set-cookie', `${cookie}=; Path=${path}; HttpOnly; SameSite=Strict; Max-Age=0`);
  }
}

/** The one sign-in cookie of the gateway's pages (/approvals and /ui share it). */
export const SESSION_COOKIE = 'tw_session';
const MAX_SESSIONS = 1000;

export interface SignedIn {
  sid: string;
  principal: Principal;
  csrf: string;
}

/**
 * The sign-in every browser page of the gateway uses: a token typed in once (kept in memory,
 * re-checked on every request, so a revoked token ends the session at once) or the identity the
 * request itself proves (tailnet WhoIs behind `tailscale serve`). What a signed-in person may see
 * or do is then decided by their permissions, page by page, exactly as for tool calls.
 */
export class PageSignIn {
  readonly sessions: PageSessions;
  private readonly gateway: Gateway;

  constructor(gateway: Gateway, lifetimeMs: number) {
    this.gateway = gateway;
    this.sessions = new PageSessions({
      cookie: SESSION_COOKIE,
      path: '/',
      secure: gateway.config.public_url?.startsWith('https:') ?? false,
      lifetimeMs,
      max: MAX_SESSIONS,
    });
  }

  /**
   * The principal a token names, or undefined (invalid, revoked, anonymous). `localOnly` while the
   * caller is locked out after failed sign-ins: only local tokens are checked (see auth-failures.ts).
   */
  async byToken(token: string, request: FastifyRequest, localOnly = false): Promise<Principal | undefined> {
    const principal = await this.gateway.authenticator
      .authenticate({
        bearer: token,
        hasAuthorization: true,
        remoteAddress: request.ip,
        headers: {},
        localOnly,
      })
      .catch(() => undefined);
    return principal && principal.kind !== 'anonymous' ? principal : undefined;
  }

  /** A person the request itself identifies (no token typed in), e.g. through tailnet WhoIs. */
  async ambient(request: FastifyRequest): Promise<Principal | undefined> {
    if (request.headers.authorization !== undefined) return undefined;
    const principal = await this.gateway.authenticator
      .authenticate(authRequest(request.headers, request.ip))
      .catch(() => undefined);
    return principal && principal.kind !== 'anonymous' ? principal : undefined;
  }

  /** The signed-in person, re-authenticated now; undefined when not (or no longer) signed in. */
  async current(request: FastifyRequest): Promise<SignedIn | undefined> {
    const found = this.sessions.lookup(request);
    if (!found) return undefined;
    const { sid, session } = found;
    const principal =
      session.token !== undefined ? await this.byToken(session.token, request) : await this.ambient(request);
    if (!principal || principal.id !== session.principalId) {
      this.sessions.end(sid);
      return undefined;
    }
    return { sid, principal, csrf: session.csrf };
  }

  /** The signed-in person, or one the request identifies by itself (then a session starts). */
  async currentOrAmbient(request: FastifyRequest, reply: FastifyReply): Promise<SignedIn | undefined> {
    const signedIn = await this.current(request);
    if (signedIn) return signedIn;
    const principal = await this.ambient(request);
    if (!principal) return undefined;
    request.log.info({ principal: principal.id }, 'page sign-in by request identity');
    return this.start(reply, principal, undefined);
  }

  start(reply: FastifyReply, principal: Principal, token: string | undefined): SignedIn {
    const { sid, session } = this.sessions.start(reply, principal, token);
    return { sid, principal, csrf: session.csrf };
  }

  /** Whether a state-changing request is same-site and carries this session's CSRF token. */
  sameSiteWithToken(request: FastifyRequest, signedIn: SignedIn, csrf: string | undefined): boolean {
    return !crossSite(request, this.gateway.config) && sameSecret(csrf ?? '', signedIn.csrf);
  }
}
