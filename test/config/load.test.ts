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

  it('names unknown keys instead of ignoring them', () => {
    const file = configFile('htp:\n  body_limit: 1MiB\n');
    expect(problemsOf(() => loadConfig({ file, env: {} }))[0]).toMatch(/unknown key\(s\) htp/);
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
