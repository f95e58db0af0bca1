import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dockerModule } from '../../src/modules/docker/index.ts';
import { sshModule } from '../../src/modules/ssh/index.ts';
import type { ToolModule } from '../../src/modules/types.ts';
import type { AlertRecord } from '../../src/watch/alerts/store.ts';
import { cleanup, engine, runContainer, testPrefix } from '../docker/support.ts';
import { hostFor } from '../ssh/fleet-support.ts';
import { disposeSshd, startSshd, type TestSshd } from '../support/sshd.ts';
import { Receiver } from './receiver.ts';
import { startWatchHarness, type WatchHarness } from './support.ts';

/**
 * Self-healing under policy against the real Docker engine: containers that crash are
 * restarted by the remediation their alert rule names, through the call wrapper as the
 * system principal. The collector's clock (and so the back-off) is moved by hand; the
 * containers and the engine live in real time.
 */
describe('watch: remediation of failing containers', { timeout: 240_000 }, () => {
  const prefix = testPrefix('remedy');
  const name = (n: string) => `${prefix}-${n}`;
  const receiver = new Receiver();
  let h: WatchHarness;
  // A fleet host whose Docker engine is reached over SSH (docker system dial-stdio): the local one.
  let sshd: TestSshd;
  // Exits with code 3 every time: no restart helps.
  const crashes = ['sh', '-c', 'exit 3'];
  // Exits with code 3 the first time only; after a restart it stays up.
  const crashesOnce = ['sh', '-c', 'if [ -e /ran ]; then exec sleep 3600; fi; touch /ran; exit 3'];
  const rule = (ruleName: string, containers: string) => ({
    name: ruleName,
    kind: 'container_exited',
    containers,
  });
  const action = (tool: string, attempts = 3, backoff = '1m') => ({
    tool,
    args: { container: '{container}' },
    attempts,
    backoff,
  });

  beforeAll(async () => {
    await receiver.start();
    sshd = await startSshd();
    h = await startWatchHarness({
      modules: [dockerModule as ToolModule, sshModule as ToolModule],
      config: {
        policy: { notify: { webhooks: [`${receiver.url}/approvals`] } },
        modules: {
          ssh: { enabled: true, fleet_timeout: '90s', hosts: [hostFor(sshd, 'engine', { docker: true })] },
        },
        watch: {
          default_rules: false,
          rules: [
            rule('loop-restart', name('loop')),
            rule('flaky-restart', name('flaky')),
            rule('gated-start', name('gated')),
            rule('forbidden-remove', name('forbid')),
            rule('remote-restart', name('remote')),
          ],
          notify: { webhooks: [`${receiver.url}/hook`], max_per_hour: 1000 },
          remediation: {
            unattended: ['docker_container_restart', 'docker_container_remove'],
            actions: {
              'loop-restart': action('docker_container_restart', 2),
              'flaky-restart': action('docker_container_restart', 3, '10m'),
              'gated-start': action('docker_container_start', 3, '10m'),
              'forbidden-remove': action('docker_container_remove'),
              'tool-made': action('docker_container_restart'),
              'remote-restart': {
                tool: 'docker_container_restart',
                args: { host: 'engine', container: '{container}' },
                attempts: 2,
                backoff: '10m',
              },
            },
          },
        },
      },
    });
    await runContainer(prefix, 'loop', { Cmd: crashes });
    await runContainer(prefix, 'flaky', { Cmd: crashesOnce });
    await runContainer(prefix, 'gated', { Cmd: crashesOnce });
    await runContainer(prefix, 'forbid', { Cmd: crashes });
    await runContainer(prefix, 'remote', { Cmd: crashesOnce });
    for (const n of ['loop', 'flaky', 'gated', 'forbid', 'remote']) await exited(name(n));
  });

  afterAll(async () => {
    await h?.close();
    await cleanup(prefix);
    await receiver.close();
    if (sshd) await disposeSshd(sshd);
  });

  async function exited(container: string): Promise<void> {
    const deadline = Date.now() + 60_000;
    while ((await engine.getContainer(container).inspect()).State.Status !== 'exited') {
      if (Date.now() > deadline) throw new Error(`${container} did not exit`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  const alertOf = (ruleName: string): AlertRecord | undefined =>
    h.watch.alerts
      .between(0, h.clock.now() + 1, 100)
      .filter((a) => a.rule === ruleName)
      .sort((a, b) => b.startedAt - a.startedAt)[0];
  const steps = (ruleName: string) => {
    const alert = alertOf(ruleName);
    return alert
      ? h.watch.alerts
          .changes(alert.id)
          .filter((c) => c.change === 'remediation')
          .map((c) => c.detail as { state: string; message: string; attempt: number; approval_url?: string })
      : [];
  };
  const allSteps = () =>
    h.watch.alerts
      .between(0, h.clock.now() + 1, 100)
      .map((a) => ({ rule: a.rule, status: a.status, summary: a.summary, steps: steps(a.rule) }));
  /** The remediation notifications the webhook got, once one matches (a liveness bound). */
  // biome-ignore lint/suspicious/noExplicitAny: webhook bodies are arbitrary JSON
  async function hooked(match: (payload: any) => boolean): Promise<any[]> {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const payloads = receiver
        .ok('/hook')
        .map((r) => JSON.parse(r.body.toString()))
        .filter((p) => p.type === 'alert.remediation');
      if (payloads.some(match)) return payloads;
      if (Date.now() > deadline) throw new Error('the remediation notification did not arrive');
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  const startedAt = async (n: string) => (await engine.getContainer(name(n)).inspect()).State.StartedAt;

  /** Collect (moving the clock one interval) until the check holds; a liveness bound, not a timing claim. */
  async function until(check: () => boolean, what: string, stepMs?: number): Promise<void> {
    const deadline = Date.now() + 150_000;
    for (;;) {
      await h.collect(stepMs);
      await h.watch.remediation.settled();
      if (check()) return;
      if (Date.now() > deadline)
        throw new Error(`timed out waiting for ${what}; steps: ${JSON.stringify(allSteps())}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  it('restarts a crashed container unattended, audits and notifies every run, and stops after the limit', async () => {
    const before = await startedAt('loop');
    await until(() => steps('loop-restart').some((s) => s.state === 'ran'), 'the first restart');
    expect(await startedAt('loop')).not.toBe(before); // the engine really started it again
    await until(
      () => steps('loop-restart').some((s) => s.state === 'gave_up'),
      'the remediation to give up',
      60_000,
    );
    const loop = steps('loop-restart');
    expect(loop.filter((s) => s.state === 'ran')).toHaveLength(2);
    expect(loop.at(-1)?.message).toMatch(/could not recover/);
    expect(loop[0]?.message).toMatch(/run 1 of 2: docker_container_restart done; checking again in 60s/);
    expect(loop[1]?.message).toMatch(/checking again in 120s/); // the back-off doubles

    // It stays stopped: more time passes, the alert is still open, nothing more runs.
    const alert = alertOf('loop-restart')!;
    for (let i = 0; i < 4; i++) await until(() => true, 'a collection', 120_000);
    expect(h.watch.alerts.get(alert.id)?.status).toBe('firing');
    expect(steps('loop-restart').filter((s) => s.state === 'ran')).toHaveLength(2);

    const audit = await h.gw.auditRecords();
    const runs = audit.filter(
      (r) => r.event === 'tool.outcome' && String(r.rpc_id).startsWith(`remediation:${alert.id}:`),
    );
    expect(runs).toHaveLength(2);
    expect(runs.every((r) => r.outcome === 'ok' && r.tool === 'docker_container_restart')).toBe(true);
    expect(runs[0]?.principal).toMatchObject({ id: 'system:remediation', kind: 'system' });
    const decisions = audit.filter(
      (r) => r.event === 'tool.decision' && String(r.rpc_id).startsWith(`remediation:${alert.id}:`),
    );
    expect(decisions.map((d) => d.decision)).toEqual(['allowed', 'allowed']);
    expect(decisions[0]?.args).toEqual({ container: name('loop') });

    // Deliveries are asynchronous: wait (bounded) for the last step's message.
    const mine = await hooked((p) => p.id === alert.id && p.remediation?.state === 'gave_up');
    expect(mine.filter((p) => p.id === alert.id).map((p) => p.remediation.state)).toEqual([
      'ran',
      'ran',
      'gave_up',
    ]);
    expect(mine.find((p) => p.remediation?.state === 'gave_up').remediation.message).toMatch(
      /could not recover/,
    );
  });

  it('a container that comes back after one restart resolves its alert as recovered', async () => {
    await until(() => steps('flaky-restart').some((s) => s.state === 'recovered'), 'recovery');
    const flaky = steps('flaky-restart');
    expect(flaky.map((s) => s.state).at(-1)).toBe('recovered');
    expect(flaky.map((s) => s.state)).toContain('ran');
    expect(alertOf('flaky-restart')?.status).toBe('resolved');
    expect((await engine.getContainer(name('flaky')).inspect()).State.Running).toBe(true);
  });

  it('without the unattended rule, asks for an approval (the notification carries its link) and runs once approved', async () => {
    await until(() => steps('gated-start').some((s) => s.state === 'approval_needed'), 'an approval request');
    const asked = steps('gated-start').find((s) => s.state === 'approval_needed')!;
    expect(asked.approval_url).toMatch(/\/approvals\//);
    const approvals = h.gw.gateway.approvals;
    const pending = approvals.store.list(['pending']).filter((a) => a.tool === 'docker_container_start');
    expect(pending).toHaveLength(1);
    expect(pending[0]).toMatchObject({
      principalId: 'system:remediation',
      args: { container: name('gated') },
    });
    expect((await engine.getContainer(name('gated')).inspect()).State.Status).toBe('exited'); // not run
    const announced = (await receiver.waitFor('/approvals', 1)).map((r) => JSON.parse(r.body.toString()));
    expect(announced.find((p) => p.id === pending[0]!.id)?.url).toBe(asked.approval_url);
    const hook = (await hooked((p) => p.remediation?.state === 'approval_needed')).find(
      (p) => p.remediation?.state === 'approval_needed',
    );
    expect(hook?.remediation.approval_url).toBe(asked.approval_url);

    // Waiting on the approval is not a run: more collections, still one request, nothing started.
    await until(() => true, 'a collection');
    expect(steps('gated-start').filter((s) => s.state === 'ran')).toHaveLength(0);

    await approvals.decide({
      id: pending[0]!.id,
      decision: 'approved',
      approver: { id: 'token:approver', name: 'approver', via: 'cli' },
      allowSelf: false,
    });
    await until(() => steps('gated-start').some((s) => s.state === 'ran'), 'the approved run');
    expect((await engine.getContainer(name('gated')).inspect()).State.Running).toBe(true);
    const audit = await h.gw.auditRecords();
    expect(audit.some((r) => r.event === 'approval.used' && r.approval_id === pending[0]!.id)).toBe(true);
    await until(() => steps('gated-start').some((s) => s.state === 'recovered'), 'recovery');
  });

  it('a remediation whose tool the system principal may not call is refused, audited, and not tried again', async () => {
    await until(() => steps('forbidden-remove').some((s) => s.state === 'refused'), 'the refusal');
    const alert = alertOf('forbidden-remove')!;
    for (let i = 0; i < 3; i++) await until(() => true, 'a collection', 120_000);
    expect(steps('forbidden-remove').map((s) => s.state)).toEqual(['refused']);
    expect(steps('forbidden-remove')[0]?.message).toMatch(/ERR_PERMISSION_DENIED/);
    const audit = await h.gw.auditRecords();
    const denied = audit.filter((r) => String(r.rpc_id).startsWith(`remediation:${alert.id}:`));
    expect(denied).toHaveLength(1);
    expect(denied[0]).toMatchObject({
      event: 'tool.decision',
      decision: 'denied',
      error_code: 'ERR_PERMISSION_DENIED',
      tool: 'docker_container_remove',
      principal: { id: 'system:remediation' },
    });
    expect((await engine.getContainer(name('forbid')).inspect()).State.Status).toBe('exited'); // still there
  });

  it('restarts a container on a fleet host: the engine there, reached over the pinned SSH connection', async () => {
    await until(() => steps('remote-restart').some((s) => s.state === 'recovered'), 'the remote recovery');
    expect(steps('remote-restart').map((s) => s.state)).toContain('ran');
    const alert = alertOf('remote-restart')!;
    const audit = await h.gw.auditRecords();
    const decision = audit.find(
      (r) => r.event === 'tool.decision' && r.rpc_id === `remediation:${alert.id}:1`,
    );
    expect(decision).toMatchObject({
      decision: 'allowed',
      tool: 'docker_container_restart',
      args: { host: 'engine', container: name('remote') },
    });
    expect((await engine.getContainer(name('remote')).inspect()).State.Running).toBe(true);
  });

  it('a rule made with a tool never gets a remediation, even under a name the config lists', async () => {
    await runContainer(prefix, 'tooled', { Cmd: crashes });
    await exited(name('tooled'));
    await h.ok('watch_rule_create', { rule: rule('tool-made', name('tooled')) });
    await until(() => alertOf('tool-made') !== undefined, 'the tool-made rule to fire');
    await until(() => true, 'a collection');
    expect(steps('tool-made')).toEqual([]);
    const audit = await h.gw.auditRecords();
    expect(audit.some((r) => String(r.rpc_id).includes(alertOf('tool-made')!.id))).toBe(false);
  });
});
