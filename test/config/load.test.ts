import { mkdtempSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, configFrom, defaultStateDir, loadConfig } from '../../src/config/load.ts';
import { MASK, printableConfig } from '../../src/config/print.ts';
import { configSchema } from '../../src/config/schema.ts';
import { walkConfig } from '../../src/config/walk.ts';

function configFile(text: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'tw-config-')), 'config.yaml');
  writeFileSync(file, text);
  return file;
}

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('configuration loading', () => {
  it('has working defaults', () => {
    const config = configFrom({ state_dir: '/tmp/x' });
    expect(config.listen).toBe('127.0.0.1:8080');
    expect(config.auth.modes).toEqual(['token']);
    expect(config.http.body_limit).toBe(1024 * 1024);
    expect(config.http.session_idle_timeout).toBe(30 * 60_000);
    expect(config.policy).toMatchObject({
      low: 'allow',
      moderate: 'allow',
      high: 'confirm',
      critical: 'approve',
    });
    expect(Object.isFrozen(config.auth)).toBe(true);
  });

  it('layers defaults < file < environment < flags', () => {
    const file = configFile(
      'listen: 127.0.0.1:9000\nhttp:\n  session_idle_timeout: 5m\nlog:\n  level: warn\n',
    );
    const fromFile = loadConfig({ file, env: {} }).config;
    expect(fromFile.listen).toBe('127.0.0.1:9000');
    expect(fromFile.http.session_idle_timeout).toBe(300_000);

    const env = { TAILWARDEN_LISTEN: '127.0.0.1:9100', TAILWARDEN_LOG_LEVEL: 'debug' };
    const fromEnv = loadConfig({ file, env }).config;
    expect(fromEnv.listen).toBe('127.0.0.1:9100');
    expect(fromEnv.log.level).toBe('debug');
    expect(fromEnv.http.session_idle_timeout).toBe(300_000);

    const fromFlags = loadConfig({ file, env, overrides: { listen: '127.0.0.1:9200' } }).config;
    expect(fromFlags.listen).toBe('127.0.0.1:9200');
  });

  it('finds the file through TAILWARDEN_CONFIG', () => {
    const file = configFile('listen: 127.0.0.1:9300\n');
    expect(loadConfig({ env: { TAILWARDEN_CONFIG: file } }).config.listen).toBe('127.0.0.1:9300');
  });

  it('parses lists and booleans from the environment', () => {
    const config = loadConfig({
      env: {
        TAILWARDEN_AUTH: 'token, none',
        TAILWARDEN_TOOLS_READ_ONLY: 'yes',
        TAILWARDEN_STATE_DIR: '/tmp/y',
      },
    }).config;
    expect(config.auth.modes).toEqual(['token', 'none']);
    expect(config.tools.read_only).toBe(true);
    expect(config.state_dir).toBe('/tmp/y');
  });

  it('takes a JSON array from the environment for a list of objects', () => {
    const hosts = [
      { name: 'nas', address: 'nas.example.ts.net', key_file: '/k', host_key: `SHA256:${'A'.repeat(43)}` },
    ];
    const config = loadConfig({ env: { TAILWARDEN_MODULES_SSH_HOSTS: JSON.stringify(hosts) } }).config;
    expect(config.modules.ssh.hosts[0]).toMatchObject(hosts[0]!);
  });

  it('names the file, the key and the problem for a bad value', () => {
    const file = configFile('http:\n  body_limit: lots\n');
    const problems = problemsOf(() => loadConfig({ file, env: {} }));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(`${file}: http.body_limit`);
    expect(problems[0]).toContain('is not a size');
  });

  it('names unknown keys instead of ignoring them, with the closest known key', () => {
    const file = configFile('htp:\n  body_limit: 1MiB\n');
    expect(problemsOf(() => loadConfig({ file, env: {} }))[0]).toBe(
      `${file}: htp: unknown key. Did you mean "http"?`,
    );
    const nested = configFile(
      'http:\n  bdy_limit: 1MiB\nmodules:\n  ssh:\n    hosts:\n      - name: a\n        adress: x\n',
    );
    const problems = problemsOf(() => loadConfig({ file: nested, env: {} }));
    expect(problems).toContain(`${nested}: http.bdy_limit: unknown key. Did you mean "body_limit"?`);
    expect(problems).toContain(`${nested}: modules.ssh.hosts.0.adress: unknown key. Did you mean "address"?`);
    const far = configFile('zzzzzz: 1\n');
    expect(problemsOf(() => loadConfig({ file: far, env: {} }))[0]).toMatch(
      /unknown key\. Known keys here: listen, public_url/,
    );
  });

  it('shows the offending YAML line with a caret, and where an unclosed quote or bracket opened', () => {
    const file = configFile('listen: "127.0.0.1:8080\nauth:\n  modes: [token]\nlog:\n  level: info\n');
    const [problem] = problemsOf(() => loadConfig({ file, env: {} }));
    expect(problem).toContain('not valid YAML at line 6, column 1: Missing closing "quote');
    expect(problem).toContain('  1 | listen: "127.0.0.1:8080   <- opened here');
    expect(problem).toMatch(/\n {4}\| \^/);
    const bracket = configFile('auth:\n  modes: [token\nlog:\n  level: info\n');
    expect(problemsOf(() => loadConfig({ file: bracket, env: {} }))[0]).toContain(
      '2 |   modes: [token   <- opened here',
    );
    const tabs = configFile('a: 1\n b: 2\n');
    expect(problemsOf(() => loadConfig({ file: tabs, env: {} }))[0]).toMatch(
      /line 1, column 4[\s\S]*a: 1\n {4}\| {4}\^\n {2}hint:/,
    );
  });

  it('keeps a hostile YAML line from reaching the terminal raw', () => {
    const file = configFile(`a: "\u001b]0;pwned\u0007${'x'.repeat(5000)}\n`);
    const problem = problemsOf(() => loadConfig({ file, env: {} }))[0]!;
    expect(problem).not.toContain('\u001b');
    expect(problem).not.toContain('\u0007');
    expect(problem).toContain('\\x1b]0;pwned');
    expect(problem.length).toBeLessThan(2000);
  });

  it('says what form a value takes, next to what it got', () => {
    const cases: [string, string][] = [
      [
        'listen: 18090\n',
        'listen: expected "HOST:PORT" (text, e.g. "127.0.0.1:18090"; "0.0.0.0:18090" for every interface), got the number 18090',
      ],
      [
        'http:\n  session_idle_timeout: true\n',
        'http.session_idle_timeout: expected a duration such as 30s, 15m, 2h or 90d, got the boolean true',
      ],
      [
        'tools:\n  enabled: abc\n',
        'tools.enabled: expected a list, e.g. [a, b] (in the environment: a,b), got the text "abc"',
      ],
      [
        'auth:\n  modes: [tokn]\n',
        'auth.modes.0: "tokn" is not one of token, oidc, jwt, tailnet, none. Did you mean "token"?',
      ],
      ['http:\n  max_sessions: [1]\n', 'http.max_sessions: expected a whole number, got a list'],
    ];
    for (const [text, expected] of cases) {
      const file = configFile(text);
      expect(problemsOf(() => loadConfig({ file, env: {} }))).toContain(`${file}: ${expected}`);
    }
  });

  it('never echoes a secret value in a type error', () => {
    const problems = problemsOf(() =>
      loadConfig({ env: {}, overrides: { modules: { tailscale: { api_key: 12345678 } } } }),
    );
    expect(problems.join('\n')).not.toContain('12345678');
  });

  it('warns about unknown TAILWARDEN_* variables with the closest known name', () => {
    const { warnings } = loadConfig({
      env: { TAILWARDEN_LISTN: '127.0.0.1:1', TAILWARDEN_CONFIG: '', TAILWARDEN_ZZZZZZZZ: '1', OTHER: 'x' },
    });
    expect(warnings).toEqual([
      'environment variable TAILWARDEN_LISTN is not a tailwarden setting and is ignored. Did you mean "TAILWARDEN_LISTEN"?',
      'environment variable TAILWARDEN_ZZZZZZZZ is not a tailwarden setting and is ignored. See docs/configuration.md for the names.',
    ]);
    const many = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`TAILWARDEN_X${i}`, '1']));
    expect(loadConfig({ env: many }).warnings).toHaveLength(21);
  });

  it('says when the file is not YAML, not a mapping, or cannot be read', () => {
    expect(problemsOf(() => loadConfig({ file: configFile('listen: [oops\n'), env: {} }))[0]).toMatch(
      /not valid YAML/,
    );
    expect(problemsOf(() => loadConfig({ file: configFile('- a\n- b\n'), env: {} }))[0]).toMatch(
      /must be a YAML mapping/,
    );
    expect(problemsOf(() => loadConfig({ file: '/nonexistent/tw.yaml', env: {} }))[0]).toMatch(
      /cannot read \(ENOENT\)/,
    );
  });

  it('blames the environment variable when the bad value came from it', () => {
    const problems = problemsOf(() => loadConfig({ env: { TAILWARDEN_HTTP_MAX_SESSIONS: 'many' } }));
    expect(problems[0]).toContain('environment TAILWARDEN_HTTP_MAX_SESSIONS');
  });

  it('picks the state directory systemd gives, then XDG, then home', () => {
    expect(defaultStateDir({ STATE_DIRECTORY: '/var/lib/tailwarden' })).toBe('/var/lib/tailwarden');
    expect(defaultStateDir({ XDG_STATE_HOME: '/x' })).toBe('/x/tailwarden');
    expect(defaultStateDir({})).toBe(join(homedir(), '.local/state/tailwarden'));
  });

  it('prints durations as text and every secret masked', () => {
    const leaves = walkConfig(configSchema).leaves;
    const secrets = leaves.filter((leaf) => leaf.meta.secret);
    expect(secrets.length).toBeGreaterThan(0);
    const env: Record<string, string> = { TAILWARDEN_STATE_DIR: '/tmp/z' };
    const secretValue = (leaf: (typeof secrets)[number]) =>
      leaf.kind === 'map'
        ? JSON.stringify({ x: `very-secret-${leaf.env.toLowerCase()}` })
        : leaf.kind === 'list' || leaf.meta.format === 'url'
          ? `https://very-secret-${leaf.env.toLowerCase()}.example/hook`
          : `very-secret-${leaf.env.toLowerCase()}`;
    for (const leaf of secrets) env[leaf.env] = secretValue(leaf);
    const printed = printableConfig(loadConfig({ env }).config);
    expect((printed.http as Record<string, unknown>).session_idle_timeout).toBe('30m');
    const text = JSON.stringify(printed);
    for (const leaf of secrets) expect(text, leaf.env).not.toContain('very-secret');
    expect(text).toContain(MASK);
    // A value that may only come from the environment is a secret, so it is always masked.
    for (const leaf of leaves.filter((l) => l.meta.envOnly)) expect(leaf.meta.secret, leaf.env).toBe(true);
  });
});
