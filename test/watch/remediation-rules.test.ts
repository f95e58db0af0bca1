import { describe, expect, it } from 'vitest';
import { ConfigError, configFrom } from '../../src/config/load.ts';
import { systemRule } from '../../src/policy/gate.ts';
import { fillArgs } from '../../src/watch/remediate/remediator.ts';
import { remediationPrincipal, verdictOf } from '../../src/watch/remediate/system-call.ts';

describe('remediation rules', () => {
  const principal = remediationPrincipal(
    configFrom({ state_dir: '/tmp/x', watch: { remediation: { unattended: ['docker_container_restart'] } } })
      .watch.remediation,
  );

  it('the system principal needs an approval unless the tool is unattended; deny and critical stay', () => {
    const restart = { name: 'docker_container_restart', risk: 'high' as const };
    const start = { name: 'docker_container_start', risk: 'high' as const };
    expect(systemRule('confirm', restart, principal)).toBe('allow');
    expect(systemRule('allow', start, principal)).toBe('approve'); // low risk is no excuse: nobody asked
    expect(systemRule('confirm', start, principal)).toBe('approve');
    expect(systemRule('deny', restart, principal)).toBe('deny');
    expect(systemRule('approve', restart, principal)).toBe('approve'); // policy.tools may insist
    expect(systemRule('allow', { name: 'docker_container_restart', risk: 'critical' }, principal)).toBe(
      'approve',
    );
    expect(principal.permissions.has('docker:write')).toBe(true);
    expect(principal.permissions.has('docker:admin')).toBe(false);
  });

  it('fills {label} from the alert and refuses a label the alert lacks', () => {
    expect(fillArgs({ host: 'oci', container: '{container}', n: 3 }, { container: 'web-1' })).toEqual({
      host: 'oci',
      container: 'web-1',
      n: 3,
    });
    expect(
      fillArgs(
        { host: '{host}', command: 'service_restart', parameters: { unit: 'app-{host}' } },
        { host: 'nas' },
      ),
    ).toEqual({ host: 'nas', command: 'service_restart', parameters: { unit: 'app-nas' } });
    expect(() => fillArgs({ parameters: { unit: '{unit}' } }, { host: 'nas' })).toThrow(
      /argument parameters.unit names \{unit\}/,
    );
    expect(() => fillArgs({ unit: '{unit}' }, { container: 'web-1' })).toThrow(
      /names \{unit\}, but this alert has no such label \(it has: container\)/,
    );
  });

  it('reads a call result: ran, failed (counts), refused (final), pending', () => {
    const text = (t: string, isError = true) => ({ isError, content: [{ type: 'text' as const, text: t }] });
    expect(verdictOf(text('ok', false)).kind).toBe('ran');
    expect(verdictOf(text('[ERR_UPSTREAM_FAILED] engine said no')).kind).toBe('failed');
    expect(verdictOf(text('[ERR_PERMISSION_DENIED] no')).kind).toBe('refused');
    expect(verdictOf(text('[ERR_APPROVAL_PENDING] wait')).kind).toBe('pending');
  });

  it('config errors say what is wrong', () => {
    const bad = (actions: unknown) => () =>
      configFrom({ state_dir: '/tmp/x', watch: { remediation: { actions } } });
    expect(bad({ 'web-down': { tool: 'rm -rf /' } })).toThrow(ConfigError);
    expect(bad({ 'web-down': { tool: 'rm -rf /' } })).toThrow(/must be a tool name/);
    expect(bad({ 'web-down': { tool: 'docker_container_restart', attempts: 0 } })).toThrow(/attempts/);
    expect(bad({ 'Web Down': { tool: 'docker_container_restart' } })).toThrow(
      /Web Down: is not an alert rule name/,
    );
    expect(() =>
      configFrom({ state_dir: '/tmp/x', watch: { remediation: { permissions: ['docker:root'] } } }),
    ).toThrow(/unknown permission "docker:root"/);
  });
});
