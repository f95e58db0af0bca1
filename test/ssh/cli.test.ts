import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { disposeSshd, startSshd, type TestSshd } from '../support/sshd.ts';
import { hostFor } from './fleet-support.ts';

const BIN = join(import.meta.dirname, '../../bin/tailwarden.js');

describe('tailwarden hosts', () => {
  let sshd: TestSshd;
  let dir: string;
  let configFile: string;

  const run = (args: string[], input = '') => {
    const result = spawnSync(process.execPath, [BIN, ...args, '--config', configFile], {
      encoding: 'utf8',
      input,
      env: { ...process.env, TAILWARDEN_CONFIG: '' },
    });
    return { code: result.status, stdout: result.stdout, stderr: result.stderr };
  };

  beforeAll(async () => {
    sshd = await startSshd();
    dir = mkdtempSync(join(tmpdir(), 'tw-test-hosts-cli-'));
    configFile = join(dir, 'config.yaml');
    writeFileSync(
      configFile,
      stringify({
        state_dir: join(dir, 'state'),
        modules: {
          ssh: {
            enabled: true,
            hosts: [hostFor(sshd, 'pinned'), { ...hostFor(sshd, 'newbox'), host_key: undefined }].map((h) =>
              JSON.parse(JSON.stringify(h)),
            ),
          },
        },
      }),
    );
  });
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await disposeSshd(sshd);
  });

  it('lists hosts and says which are not pinned', () => {
    const out = run(['hosts', 'list']);
    expect(out.code).toBe(0);
    expect(out.stdout).toMatch(
      new RegExp(`pinned .*${sshd.fingerprint.replace(/[+/]/g, '\\$&')} \\(config\\)`),
    );
    expect(out.stdout).toMatch(/newbox .*NO — run `tailwarden hosts trust`/);
  });

  it('refuses to pin without a confirmation, or with a fingerprint the host does not present', () => {
    const blind = run(['hosts', 'trust', 'newbox']);
    expect(blind.code).toBe(1);
    expect(blind.stderr).toContain(sshd.fingerprint);
    expect(blind.stderr).toMatch(/not pinned: stdin is not a terminal.*--fingerprint/);
    const wrong = run(['hosts', 'trust', 'newbox', '--fingerprint', `SHA256:${'B'.repeat(43)}`]);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/presents SHA256:.*not the SHA256:B+ you gave; nothing was pinned/);
    const malformed = run(['hosts', 'trust', 'newbox', '--fingerprint', 'abc']);
    expect(malformed.stderr).toMatch(/--fingerprint must look like SHA256/);
    const check = run(['hosts', 'check', 'newbox']);
    expect(check.code).toBe(1);
    expect(check.stdout).toMatch(/newbox\s+yes\s+unpinned\s+no/);
  });

  it('refuses to override a pin that lives in the config', () => {
    const out = run(['hosts', 'trust', 'pinned', '--fingerprint', sshd.fingerprint]);
    expect(out.code).toBe(1);
    expect(out.stderr).toMatch(/pinned in the config/);
  });

  it('pins after confirmation, then the host checks out; untrust removes the pin', () => {
    const trust = run(['hosts', 'trust', 'newbox', '--fingerprint', sshd.fingerprint]);
    expect(trust.stderr).toContain('presents a ssh-ed25519 key');
    expect(trust.stdout).toContain(`Pinned ${sshd.fingerprint} for newbox.`);
    expect(trust.code).toBe(0);
    const check = run(['hosts', 'check', '--json']);
    expect(check.code).toBe(0);
    const checks = JSON.parse(check.stdout) as { host: string; key_matches: boolean; login_ok: boolean }[];
    expect(checks.map((c) => [c.host, c.key_matches, c.login_ok])).toEqual([
      ['pinned', true, true],
      ['newbox', true, true],
    ]);
    expect(run(['hosts', 'untrust', 'newbox']).stdout).toContain('Unpinned newbox.');
    expect(run(['hosts', 'list']).stdout).toMatch(/newbox .*NO/);
  });

  it('asks on a terminal and pins only on "yes"', () => {
    const viaTty = (answer: string) =>
      spawnSync(
        'script',
        ['-qec', `${process.execPath} ${BIN} hosts trust newbox --config ${configFile}`, '/dev/null'],
        {
          encoding: 'utf8',
          input: `${answer}\n`,
        },
      );
    const no = viaTty('no');
    expect(no.stdout).toMatch(/Type "yes" to confirm/);
    expect(no.stdout).toMatch(/not confirmed; nothing was pinned/);
    const yes = viaTty('yes');
    expect(yes.stdout).toContain(`Pinned ${sshd.fingerprint} for newbox.`);
    expect(yes.status).toBe(0);
  });
});
