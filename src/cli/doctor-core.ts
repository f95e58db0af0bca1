import { access, constants, stat } from 'node:fs/promises';
import { request } from 'node:http';
import { jwtIssuers } from '../auth/config.ts';
import type { Config } from '../config/schema.ts';
import type { DoctorCheck } from '../modules/types.ts';
import type { StateDb } from '../state/db.ts';
import { isLoopbackAddress, parseListen } from '../util/listen.ts';
import { readDaemonFile } from './daemon-file.ts';

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** The state directory exists, this user may write it, and others may not read it. */
export async function stateDirCheck(config: Config): Promise<DoctorCheck> {
  const dir = config.state_dir;
  const check = 'state directory';
  try {
    const info = await stat(dir);
    await access(dir, constants.W_OK);
    if ((info.mode & 0o077) !== 0)
      return {
        check,
        status: 'warn',
        detail: `${dir} is readable by other users (mode ${(info.mode & 0o777).toString(8)}); it holds the signing key and tokens`,
        fix: `chmod 700 ${dir}`,
      };
    return { check, status: 'ok', detail: dir };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === 'ENOENT'
      ? {
          check,
          status: 'warn',
          detail: `${dir} does not exist yet`,
          fix: 'it is created on the first `tailwarden serve` or `token create`',
        }
      : {
          check,
          status: 'fail',
          detail: `${dir}: ${code === 'EACCES' ? 'this user may not write it' : message(error)}`,
          fix: 'run tailwarden as the gateway user (as installed: the `tailwarden` command does), or set --state-dir',
        };
  }
}

/** GET a path at HOST:PORT with a chosen Host header (fetch cannot set Host). */
function get(
  listen: string,
  path: string,
  host: string,
  signal: AbortSignal,
): Promise<{ status: number; body: string }> {
  const { host: address, port } = parseListen(listen);
  const target = !address || address === '0.0.0.0' ? '127.0.0.1' : address === '::' ? '::1' : address;
  return new Promise((resolve, reject) => {
    const req = request({ host: target, port, path, headers: { host }, signal, timeout: 5000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => {
        if (body.length < 65_536) body += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error('no answer within 5 s')));
    req.on('error', reject);
    req.end();
  });
}

/** The daemon runs, answers /health, and accepts the public URL's host name (the Host check). */
export async function daemonChecks(config: Config, signal: AbortSignal): Promise<DoctorCheck[]> {
  const daemon = readDaemonFile(config.state_dir);
  if (!daemon)
    return [
      {
        check: 'daemon',
        status: 'warn',
        detail: `no gateway runs with state directory ${config.state_dir}`,
        fix: 'start it: systemctl start tailwarden (installed) or npm start (from source)',
      },
    ];
  const checks: DoctorCheck[] = [];
  try {
    const health = await get(daemon.listen, '/health', daemon.listen, signal);
    checks.push(
      health.status === 200
        ? {
            check: 'daemon',
            status: 'ok',
            detail: `pid ${daemon.pid}, version ${daemon.version}, listening on ${daemon.listen}`,
          }
        : {
            check: 'daemon',
            status: 'fail',
            detail: `/health answered ${health.status}`,
            fix: 'see its log: journalctl -u tailwarden',
          },
    );
  } catch (error) {
    return [
      {
        check: 'daemon',
        status: 'fail',
        detail: `pid ${daemon.pid} runs but ${daemon.listen}/health does not answer: ${message(error)}`,
        fix: 'see its log (journalctl -u tailwarden); restart it',
      },
    ];
  }
  const publicUrl = daemon.public_url ?? config.public_url;
  if (publicUrl) {
    const host = new URL(publicUrl).host;
    const viaHost = await get(daemon.listen, '/mcp', host, signal).catch(() => undefined);
    checks.push(
      viaHost && viaHost.status !== 403
        ? { check: 'host check', status: 'ok', detail: `requests for ${host} are accepted` }
        : {
            check: 'host check',
            status: 'fail',
            detail: `the daemon refuses the Host ${host}: ${viaHost?.body.slice(0, 200) ?? 'no answer'}`,
            fix: 'the daemon was started with another public_url: restart it after changing the config',
          },
    );
  }
  return checks;
}

/** The public URL is set, is HTTPS, and answers /health from this machine. */
export async function publicUrlCheck(config: Config, signal: AbortSignal): Promise<DoctorCheck> {
  const check = 'public URL';
  const { host, port } = parseListen(config.listen);
  if (!config.public_url)
    return {
      check,
      status: 'warn',
      detail:
        'public_url is not set: clients on other machines cannot reach the gateway by name, and OAuth sign-in is not advertised',
      fix: `tailscale serve --bg --https=443 http://127.0.0.1:${port}, then public_url: https://<this machine>.<tailnet>.ts.net`,
    };
  const url = new URL(config.public_url);
  if (url.protocol !== 'https:' && !isLoopbackAddress(url.hostname))
    return {
      check,
      status: 'warn',
      detail: `${config.public_url} is not HTTPS: tokens travel in clear text`,
      fix: 'publish it with tailscale serve (HTTPS) and use the https:// URL',
    };
  try {
    const res = await fetch(new URL('/health', url), {
      signal: AbortSignal.any([signal, AbortSignal.timeout(5000)]),
    });
    return res.ok
      ? { check, status: 'ok', detail: `${config.public_url}/health answers` }
      : {
          check,
          status: 'fail',
          detail: `${config.public_url}/health answered ${res.status}`,
          fix: `check what tailscale serve proxies to (tailscale serve status); it should be http://127.0.0.1:${port}`,
        };
  } catch (error) {
    return {
      check,
      status: 'fail',
      detail: `${config.public_url} does not answer from here: ${message(error)}`,
      fix: `tailscale serve --bg --https=443 http://${isLoopbackAddress(host) ? host : '127.0.0.1'}:${port}; check tailscale serve status`,
    };
  }
}

async function issuerReachable(check: string, issuer: string, signal: AbortSignal): Promise<DoctorCheck> {
  const url = `${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
  try {
    const res = await fetch(url, { signal: AbortSignal.any([signal, AbortSignal.timeout(5000)]) });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    return { check, status: 'ok', detail: `${issuer} answers its discovery document` };
  } catch (error) {
    return {
      check,
      status: 'fail',
      detail: `${url}: ${message(error)}`,
      fix: 'check the issuer URL and that this machine reaches it (for TSIDP: the tsidp node is up on the tailnet)',
    };
  }
}

/** Each sign-in mode can work: tokens exist, issuers (TSIDP, JWT) answer, tailscaled is there for WhoIs. */
export async function authChecks(config: Config, db: StateDb, signal: AbortSignal): Promise<DoctorCheck[]> {
  const checks: Promise<DoctorCheck>[] = [];
  const modes = config.auth.modes;
  if (modes.includes('token')) {
    const { TokenStore } = await import('../auth/token-store.ts');
    const now = Date.now();
    const active = (await TokenStore.open(db, config.state_dir))
      .list()
      .filter((t) => !t.revokedAt && (t.expiresAt === null || t.expiresAt > now)).length;
    checks.push(
      Promise.resolve<DoctorCheck>(
        active > 0
          ? { check: 'auth: token', status: 'ok', detail: `${active} active token(s)` }
          : {
              check: 'auth: token',
              status: 'warn',
              detail: 'no active token: no client can sign in with one',
              fix: 'tailwarden token create --name "claude-code laptop" --role viewer',
            },
      ),
    );
  }
  if (modes.includes('oidc')) {
    checks.push(
      config.auth.oidc.issuer
        ? issuerReachable('auth: oidc (TSIDP)', config.auth.oidc.issuer, signal)
        : Promise.resolve({
            check: 'auth: oidc (TSIDP)',
            status: 'fail',
            detail: 'auth.oidc.issuer is not set',
            fix: 'set TAILWARDEN_OIDC_ISSUER=https://idp.<tailnet>.ts.net',
          }),
    );
  }
  if (modes.includes('jwt'))
    for (const issuer of jwtIssuers(config.auth))
      checks.push(issuerReachable(`auth: jwt ${issuer.issuer}`, issuer.issuer, signal));
  return Promise.all(checks);
}
