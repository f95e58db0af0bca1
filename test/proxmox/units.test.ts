import { describe, expect, it } from 'vitest';
import { configFrom } from '../../src/config/load.ts';
import { proxmoxError } from '../../src/modules/proxmox/errors.ts';
import { CAPABILITIES, holds, judgeCapability } from '../../src/modules/proxmox/privileges.ts';
import { isSelf } from '../../src/modules/proxmox/self.ts';
import { nodeOfUpid, UPID_RE } from '../../src/modules/proxmox/tasks.ts';
import { normalizeFingerprint } from '../../src/modules/proxmox/tls.ts';

const context = {
  cluster: 'pve',
  url: 'https://10.0.0.2:8006',
  tokenId: 'tw@pve!gw',
  action: 'start guest 105',
};
const answer = (status: number, message: string, errors?: Record<string, string>) => ({
  status,
  statusMessage: message,
  body: JSON.stringify({ data: null, message: `${message}\n`, ...(errors ? { errors } : {}) }),
});

describe('proxmoxError: one translation of Proxmox answers', () => {
  it('names the privilege, the path and the grant for a 403', () => {
    const error = proxmoxError(context, answer(403, 'Permission check failed (/vms/105, VM.PowerMgmt)'));
    expect(error.code).toBe('ERR_UPSTREAM_FAILED');
    expect(error.message).toContain('may not start guest 105: it lacks VM.PowerMgmt on /vms/105');
    expect(error.message).toContain("pveum acl modify /vms/105 --tokens 'tw@pve!gw'");
    expect(error.details).toEqual({ path: '/vms/105', privilege: 'VM.PowerMgmt' });
  });

  it('maps parameter errors, node loss, digest, lock and missing things to their codes', () => {
    const bad = proxmoxError(
      context,
      answer(400, 'Parameter verification failed.', { snapname: "invalid configuration ID 'x'" }),
    );
    expect(bad.code).toBe('ERR_INPUT_REJECTED');
    expect(bad.message).toContain("snapname: invalid configuration ID 'x'");
    expect(proxmoxError(context, answer(595, 'No route to host')).code).toBe('ERR_UPSTREAM_UNAVAILABLE');
    expect(proxmoxError(context, answer(500, 'checksum mismatch (file change by other user?)')).code).toBe(
      'ERR_CONFLICT',
    );
    expect(
      proxmoxError(
        context,
        answer(500, 'detected modified configuration - file changed by other user? Try again.'),
      ).code,
    ).toBe('ERR_CONFLICT');
    expect(proxmoxError(context, answer(500, 'VM is locked (backup)')).code).toBe('ERR_CONFLICT');
    expect(
      proxmoxError(context, answer(500, "Configuration file 'nodes/pve/qemu-server/105.conf' does not exist"))
        .code,
    ).toBe('ERR_NOT_FOUND');
    expect(proxmoxError(context, answer(501, "Method 'GET /x' not implemented")).message).toContain(
      'Proxmox VE 8 or newer',
    );
  });

  it('keeps control characters and overlong text out of messages', () => {
    const error = proxmoxError(context, {
      status: 500,
      statusMessage: 'x',
      body: JSON.stringify({ message: `bad\u001b[31m red${'a'.repeat(1000)}` }),
    });
    expect(error.message).not.toContain('\u001b');
    expect(error.message.length).toBeLessThan(600);
  });
});

describe('privileges from GET /access/permissions', () => {
  const perms = {
    '/': { 'Sys.Audit': 1 },
    '/vms': { 'VM.Audit': 1, 'VM.PowerMgmt': 0 },
    '/vms/105': { 'VM.Audit': 1, 'VM.Snapshot': 1 },
    '/storage': { 'Datastore.Audit': 1 },
  };

  it('inherits only propagating privileges, and a listed path holds only what it lists', () => {
    expect(holds(perms, '/vms', 'VM.PowerMgmt')).toBe(true);
    expect(holds(perms, '/vms/101', 'VM.PowerMgmt')).toBe(false);
    expect(holds(perms, '/vms/101', 'VM.Audit')).toBe(true);
    expect(holds(perms, '/vms/105', 'VM.Snapshot')).toBe(true);
    expect(holds(perms, '/nodes', 'Sys.Audit')).toBe(false);
    expect(holds(perms, '/storage/pbs', 'Datastore.Audit')).toBe(true);
  });

  it('calls a capability held on some guests only "partly", with where', () => {
    const snapshots = CAPABILITIES.find((c) => c.id === 'snapshots')!;
    expect(judgeCapability(perms, snapshots, 'tw@pve!gw')).toMatchObject({
      status: 'partly',
      only_on: ['/vms/105'],
      missing: ['VM.Snapshot on /vms'],
    });
    const rollback = CAPABILITIES.find((c) => c.id === 'rollback')!;
    expect(judgeCapability(perms, rollback, 'tw@pve!gw').missing).toEqual([
      'VM.Snapshot.Rollback on /vms or VM.Snapshot on /vms',
    ]);
  });
});

describe('small pieces', () => {
  it('recognises UPIDs and the node in them', () => {
    const upid = 'UPID:pve-2:0003A2B1:0AF3C4D5:67A1B2C3:vzdump:105:tailwarden@pve!gateway:';
    expect(UPID_RE.test(upid)).toBe(true);
    expect(nodeOfUpid(upid)).toBe('pve-2');
    expect(UPID_RE.test(`${upid}x`)).toBe(false);
    expect(UPID_RE.test('UPID:pve:1:2:3:a:b:c:')).toBe(false);
  });

  it('normalises fingerprints and refuses a config with both a pin and a CA file', () => {
    expect(normalizeFingerprint('ab'.repeat(32))).toBe(Array(32).fill('AB').join(':'));
    const cluster = { name: 'pve', url: 'https://10.0.0.2:8006', token_id: 'tw@pve!gw' };
    expect(() =>
      configFrom({
        modules: { proxmox: { clusters: [{ ...cluster, fingerprint: 'AB'.repeat(32), ca_file: '/x.pem' }] } },
      }),
    ).toThrow(/set fingerprint or ca_file, not both/);
    expect(() =>
      configFrom({ modules: { proxmox: { clusters: [{ ...cluster, url: 'http://10.0.0.2:8006' }] } } }),
    ).toThrow();
    expect(() => configFrom({ modules: { proxmox: { clusters: [cluster, cluster] } } })).toThrow(
      /"pve" is used twice/,
    );
    expect(() =>
      configFrom({ modules: { proxmox: { clusters: [{ ...cluster, token_id: 'root@pam' }] } } }),
    ).toThrow(/USER@REALM!TOKENID/);
  });

  it('protects the gateway’s VMID on every cluster unless its cluster is named', () => {
    expect(isSelf({ vmid: 100, cluster: undefined, source: 'detected' }, { cluster: 'lab', vmid: 100 })).toBe(
      true,
    );
    expect(isSelf({ vmid: 100, cluster: 'home', source: 'config' }, { cluster: 'lab', vmid: 100 })).toBe(
      false,
    );
    expect(isSelf(undefined, { cluster: 'lab', vmid: 100 })).toBe(false);
  });
});
