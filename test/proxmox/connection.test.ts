import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { proxmoxModule } from '../../src/modules/proxmox/index.ts';
import type { ToolModule } from '../../src/modules/types.ts';
import {
  AUDITOR_TOKEN,
  BARE_TOKEN,
  type FakeProxmox,
  FULL_TOKEN,
  startFakeProxmox,
} from '../fakes/proxmox.ts';
import { caSignedCertificate, selfSignedCertificate } from '../fakes/proxmox-cert.ts';
import { startTestGateway, type TestGateway } from '../support/gateway.ts';
import { call, closeProxmoxSockets, clusterFor } from './support.ts';

async function gatewayFor(proxmox: Record<string, unknown>): Promise<TestGateway> {
  return startTestGateway({
    modules: [proxmoxModule as ToolModule],
    config: {
      modules: { proxmox: { enabled: true, task_poll_interval: 20, api_timeout: '5s', ...proxmox } },
    },
  });
}

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('proxmox connection: certificate trust, token, reachability', () => {
  let pve: FakeProxmox;
  const opened: TestGateway[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'tw-test-pve-ca-'));
  beforeAll(async () => {
    pve = await startFakeProxmox();
  });
  afterAll(async () => {
    await Promise.all(opened.map((g) => g.close()));
    await pve.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const open = async (proxmox: Record<string, unknown>) => {
    const gw = await gatewayFor(proxmox);
    opened.push(gw);
    return { gw, client: await gw.client(await gw.token({ role: 'admin' })) };
  };

  it('refuses a changed certificate loudly, sends no token to it, and reports it in health', async () => {
    const original = pve.certificate;
    const { gw, client } = await open({ clusters: [clusterFor(pve)], token_secret: FULL_TOKEN.secret });
    expect((await call(client, 'proxmox_guests_list')).isError).toBe(false);

    const impostor = selfSignedCertificate('pve1');
    pve.useCertificate(impostor);
    // The new certificate shows on new connections: drop the gateway's idle kept-alive ones.
    closeProxmoxSockets(gw);
    const before = pve.requests.length;
    const refused = await call(client, 'proxmox_guests_list');
    pve.useCertificate(original);
    expect(refused.isError).toBe(true);
    expect(refused.text).toContain(
      '[ERR_HOST_KEY_UNTRUSTED] REFUSED: the TLS certificate of Proxmox cluster "home"',
    );
    expect(refused.text).toContain('HAS CHANGED');
    expect(refused.text).toContain(
      `Pinned SHA-256 ${original.fingerprint}, presented ${impostor.fingerprint}`,
    );
    expect(pve.requests.length).toBe(before);
    expect(
      gw.logs.some(
        (l) =>
          l.level === 'error' &&
          String(l.msg).includes('certificate CHANGED') &&
          l.presented === impostor.fingerprint,
      ),
    ).toBe(true);
    const health = (await gw.gateway.health())['module.proxmox'];
    expect(health).toMatchObject({
      status: 'degraded',
      detail: expect.stringContaining('certificate changed'),
    });
  });

  it('trusts a certificate signed by the cluster CA given as ca_file, and nothing else without a pin', async () => {
    const signed = caSignedCertificate('pve1');
    const caPve = await startFakeProxmox({ certificate: signed });
    try {
      const caFile = join(dir, 'pve-root-ca.pem');
      writeFileSync(caFile, signed.ca!);
      const withCa = await open({
        clusters: [{ name: 'ca', url: caPve.url, token_id: FULL_TOKEN.id, ca_file: caFile }],
        token_secret: FULL_TOKEN.secret,
      });
      const ok = await call(withCa.client, 'proxmox_guests_list');
      expect(ok.isError, ok.text).toBe(false);

      const neither = await open({
        clusters: [{ name: 'plain', url: caPve.url, token_id: FULL_TOKEN.id }],
        token_secret: FULL_TOKEN.secret,
      });
      const untrusted = await call(neither.client, 'proxmox_guests_list');
      expect(untrusted.text).toContain(
        '[ERR_HOST_KEY_UNTRUSTED] The TLS certificate of Proxmox cluster "plain"',
      );
      expect(untrusted.text).toContain('is not trusted (UNABLE_TO_VERIFY_LEAF_SIGNATURE)');
      expect(untrusted.text).toContain('pvenode cert info');
      expect(caPve.requests).toHaveLength(1);

      const missing = await open({
        clusters: [{ name: 'noca', url: caPve.url, token_id: FULL_TOKEN.id, ca_file: join(dir, 'nope.pem') }],
        token_secret: FULL_TOKEN.secret,
      });
      const unreadable = await call(missing.client, 'proxmox_guests_list');
      expect(unreadable.text).toContain('The Proxmox CA file');
      expect(unreadable.text).toContain('cannot be read (ENOENT)');
    } finally {
      await caPve.close();
    }
  });

  it('says what to do when the token is refused (401) or has no secret', async () => {
    const { client } = await open({
      clusters: [clusterFor(pve)],
      token_secret: '00000000-dead-beef-0000-000000000000',
    });
    const refused = await call(client, 'proxmox_guests_list');
    expect(refused.text).toContain(
      '[ERR_UPSTREAM_FAILED] Proxmox cluster "home" did not accept the API token tailwarden@pve!gateway',
    );
    expect(refused.text).toContain('pveum user token list tailwarden@pve');
    const none = await open({ clusters: [clusterFor(pve)] });
    const noSecret = await call(none.client, 'proxmox_cluster_status');
    expect(noSecret.text).toContain('has no API token secret: set TAILWARDEN_PROXMOX_TOKEN_SECRET');
    expect((await none.gw.gateway.health())['module.proxmox']?.status).toBe('degraded');
  });

  it('reports Proxmox unreachable, and keeps a reachable cluster’s answer beside an unreachable one', async () => {
    const port = await closedPort();
    const { client } = await open({
      clusters: [clusterFor(pve, 'home'), { ...clusterFor(pve, 'away'), url: `https://127.0.0.1:${port}` }],
      token_secret: FULL_TOKEN.secret,
    });
    const one = await call(client, 'proxmox_node_status', { cluster: 'away', node: 'pve1' });
    expect(one.text).toContain(
      `[ERR_UPSTREAM_UNAVAILABLE] Proxmox cluster "away" at https://127.0.0.1:${port} is not reachable to read the status of node pve1 (ECONNREFUSED)`,
    );
    const both = await call(client, 'proxmox_guests_list', { fields: ['cluster', 'vmid'] });
    expect(both.isError).toBe(false);
    expect(both.data.guests.every((g: { cluster: string }) => g.cluster === 'home')).toBe(true);
    expect(both.data.errors).toEqual([{ cluster: 'away', error: expect.stringContaining('ECONNREFUSED') }]);
  });

  it('turns the empty lists of a privilege-separated token without ACLs into the privilege it lacks', async () => {
    const { client } = await open({
      clusters: [clusterFor(pve, 'home', BARE_TOKEN)],
      token_secret: BARE_TOKEN.secret,
    });
    const guests = await call(client, 'proxmox_guests_list');
    expect(guests.isError).toBe(false);
    expect(guests.data.guests).toEqual([]);
    expect(guests.data.warnings).toEqual([
      expect.stringContaining(
        'the token tailwarden@pve!bare lacks VM.Audit on /vms, so Proxmox hides them instead of refusing',
      ),
    ]);
    const storages = await call(client, 'proxmox_storage_list');
    expect(storages.data.warnings[0]).toContain('lacks Datastore.Audit on /storage');
    const status = await call(client, 'proxmox_cluster_status');
    expect(status.data.clusters[0].warnings).toEqual([
      expect.stringContaining('Quorum unknown'),
      expect.stringContaining('lacks Sys.Audit on /nodes'),
    ]);
    const one = await call(client, 'proxmox_guest_status', { vmid: 101 });
    expect(one.text).toContain(
      '[ERR_NOT_FOUND] Guest 101 is not visible on Proxmox cluster "home": the token tailwarden@pve!bare lacks VM.Audit on /vms/101',
    );
  });

  it('checks what a token can and cannot do, and names the fix', async () => {
    const { client } = await open({
      clusters: [
        clusterFor(pve, 'full', FULL_TOKEN),
        clusterFor(pve, 'auditor', AUDITOR_TOKEN),
        clusterFor(pve, 'bare', BARE_TOKEN),
      ],
      token_secret: FULL_TOKEN.secret,
      token_secrets: { auditor: AUDITOR_TOKEN.secret, bare: BARE_TOKEN.secret },
    });
    const { data, isError, text } = await call(client, 'proxmox_access_check');
    expect(isError, text).toBe(false);
    const [full, auditor, bare] = data.clusters;
    expect(full.capabilities.every((c: { status: string }) => c.status === 'yes')).toBe(true);
    expect(full).toMatchObject({ reachable: true, version: '8.4.1', token_id: FULL_TOKEN.id });
    const status = (report: { capabilities: { capability: string; status: string }[] }) =>
      Object.fromEntries(report.capabilities.map((c) => [c.capability, c.status]));
    expect(status(auditor)).toEqual({
      see_guests: 'yes',
      see_nodes: 'yes',
      see_storage: 'yes',
      see_backup_jobs: 'yes',
      power: 'no',
      snapshots: 'no',
      rollback: 'no',
      backups: 'no',
      config: 'no',
    });
    const power = auditor.capabilities.find((c: { capability: string }) => c.capability === 'power');
    expect(power).toMatchObject({
      missing: ['VM.PowerMgmt on /vms'],
      fix: expect.stringContaining(`pveum acl modify /vms --tokens '${AUDITOR_TOKEN.id}' --roles PVEVMUser`),
    });
    expect(bare.capabilities.every((c: { status: string }) => c.status === 'no')).toBe(true);
  });

  it('never lets the token secret reach a log line, an audit record or an answer', async () => {
    const { gw, client } = await open({ clusters: [clusterFor(pve)], token_secret: FULL_TOKEN.secret });
    await call(client, 'proxmox_guests_list');
    await call(client, 'proxmox_access_check');
    const answers = JSON.stringify(await call(client, 'proxmox_guest_config_get', { vmid: 101 }));
    const everything = JSON.stringify(gw.logs) + JSON.stringify(await gw.auditRecords()) + answers;
    expect(everything).not.toContain(FULL_TOKEN.secret);
  });
});
