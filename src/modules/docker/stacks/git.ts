import { maskSecretsInText } from '../../../audit/secrets.ts';
import { GatewayError } from '../../../errors.ts';
import { lastLines, runProgram } from './run.ts';

export interface RepoSource {
  url: string;
  /** The host the URL points at, or "local" for file:// URLs and paths. */
  host: string;
  protocol: 'https' | 'ssh' | 'file';
}

const SCP_LIKE = /^(?:[A-Za-z0-9._-]+@)?([A-Za-z0-9.-]+):(?!\/\/)(.+)$/;

/**
 * Accept a repository URL only over https, ssh or (when "local" is allowed)
 * file, from an allowed host, without credentials in it. Fails closed.
 */
export function checkRepository(url: string, allowedHosts: readonly string[]): RepoSource {
  const allowed = new Set(allowedHosts.map((h) => h.toLowerCase()));
  // The URL is echoed without its password: error messages reach the audit log and the caller's transcript.
  const shown = maskSecretsInText(url);
  const refuse = (why: string) =>
    new GatewayError('ERR_INPUT_REJECTED', `Repository "${shown}" refused: ${why}`);
  if (url.startsWith('-') || /\s/.test(url)) throw refuse('it is not a URL.');
  // The URL parser here reads "https://github.com\@evil/x" as host github.com (a backslash ends
  // the host), curl under git reads it as user "github.com\" at host evil: the allow list would
  // judge one host and git would connect to another. No repository URL needs these characters.
  if (url.includes('\\') || [...url].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f))
    throw refuse('it contains a backslash or a control character; write the URL with forward slashes only.');
  let source: RepoSource;
  if (url.startsWith('/')) {
    source = { url, host: 'local', protocol: 'file' };
  } else if (SCP_LIKE.test(url) && !url.includes('://')) {
    source = { url, host: SCP_LIKE.exec(url)![1]!.toLowerCase(), protocol: 'ssh' };
  } else {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw refuse(
        'it is not a URL (use https://host/owner/repo.git, git@host:owner/repo.git or file:///path).',
      );
    }
    if (parsed.password) {
      throw refuse(
        'it has a password in it. Give the engine access through a git credential helper or a deploy key instead.',
      );
    }
    const protocol = parsed.protocol.replace(/:$/, '');
    if (protocol !== 'https' && protocol !== 'ssh' && protocol !== 'file') {
      throw refuse(`the ${protocol} protocol is not allowed (use https, ssh or file).`);
    }
    source = { url, host: protocol === 'file' ? 'local' : parsed.hostname.toLowerCase(), protocol };
  }
  if (!allowed.has(source.host)) {
    const list = allowedHosts.length > 0 ? allowedHosts.join(', ') : 'none';
    throw refuse(
      `host "${source.host}" is not in modules.docker.allowed_git_hosts (allowed: ${list}). An administrator can add it to the gateway config.`,
    );
  }
  return source;
}

/** A ref (branch, tag or commit) that cannot be read as an option or a path escape. */
export function checkRef(ref: string): string {
  if (
    !/^[A-Za-z0-9._/-]{1,200}$/.test(ref) ||
    ref.startsWith('-') ||
    ref.includes('..') ||
    ref.endsWith('/')
  ) {
    throw new GatewayError(
      'ERR_INPUT_REJECTED',
      `Ref "${ref}" is not a branch, tag or commit name (letters, digits, . _ / - only).`,
    );
  }
  return ref;
}

export interface GitOptions {
  signal: AbortSignal;
  timeoutMs: number;
  /** Protocols git may use, including for submodules (GIT_ALLOW_PROTOCOL). */
  protocols: readonly string[];
  /** Most bytes of output kept (its end; default 64 KiB). */
  keep?: number;
}

/** Run git with prompts off (a missing credential fails instead of hanging). */
export async function git(
  args: readonly string[],
  cwd: string | undefined,
  options: GitOptions,
): Promise<string> {
  const result = await runProgram(['git', ...args], {
    cwd,
    signal: options.signal,
    timeoutMs: options.timeoutMs,
    keep: options.keep,
    env: {
      GIT_TERMINAL_PROMPT: '0',
      GIT_ALLOW_PROTOCOL: options.protocols.join(':'),
      GIT_SSH_COMMAND: 'ssh -o BatchMode=yes',
    },
  });
  if (result.code !== 0) {
    throw new GatewayError(
      'ERR_UPSTREAM_FAILED',
      `git ${args[0]} failed: ${lastLines(result.stderr || result.stdout, 6)}`,
    );
  }
  return result.stdout.trim();
}

/** The commit a ref names after a fetch: a remote branch, a tag, or a commit id. */
export async function resolveRef(dir: string, ref: string | undefined, options: GitOptions): Promise<string> {
  const candidates = ref
    ? [`refs/remotes/origin/${ref}`, `refs/tags/${ref}`, ref]
    : ['refs/remotes/origin/HEAD'];
  for (const candidate of candidates) {
    const commit = await git(
      ['rev-parse', '--verify', '--quiet', `${candidate}^{commit}`],
      dir,
      options,
    ).catch(() => '');
    if (commit) return commit;
  }
  throw new GatewayError(
    'ERR_NOT_FOUND',
    `The repository has no branch, tag or commit "${ref ?? 'HEAD'}". Check the ref and try again.`,
  );
}

export async function commitLog(
  dir: string,
  from: string,
  to: string,
  options: GitOptions,
): Promise<string[]> {
  if (from === to) return [];
  const out = await git(['log', '--format=%h %s', '-n', '50', `${from}..${to}`], dir, options);
  return out ? out.split('\n') : [];
}
