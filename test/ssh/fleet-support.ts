import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AuditLog } from '../../src/audit/log.ts';
import { configFrom } from '../../src/config/load.ts';
import { createLogger } from '../../src/log.ts';
import type { Fleet } from '../../src/modules/ssh/fleet.ts';
import { createFleet } from '../../src/modules/ssh/index.ts';
import { StateDb } from '../../src/state/db.ts';
import type { TestSshd } from '../support/sshd.ts';

/** A host entry for a test sshd, pinned to its real key unless told otherwise. */
export function hostFor(sshd: TestSshd, name: string, extra: Record<string, unknown> = {}) {
  return {
    name,
    address: sshd.address,
    port: sshd.port,
    user: sshd.user,
    key_file: sshd.userKeyFile,
    host_key: sshd.fingerprint,
    ...extra,
  };
}

/** A Fleet built from config exactly as the module builds it, with its own state directory. */
export function testFleet(ssh: Record<string, unknown>): {
  fleet: Fleet;
  db: StateDb;
  close(): Promise<void>;
} {
  const stateDir = mkdtempSync(join(tmpdir(), 'tw-test-ssh-'));
  const config = configFrom({ state_dir: stateDir, modules: { ssh: { enabled: true, ...ssh } } });
  const db = new StateDb(stateDir);
  const fleet = createFleet({
    config,
    log: createLogger({ level: 'silent' }),
    db,
    audit: undefined as unknown as AuditLog,
  });
  return {
    fleet,
    db,
    async close() {
      await fleet.pool.close();
      db.close();
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
}
