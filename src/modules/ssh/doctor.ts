import { createLogger } from '../../log.ts';
import type { DoctorCheck, DoctorDeps } from '../types.ts';
import { createFleet } from './index.ts';

/** Every configured host: key pinned, reachable, the pinned key presented, login works (as `hosts check`). */
export async function sshDoctor({ config, db, signal }: DoctorDeps): Promise<DoctorCheck[]> {
  const fleet = createFleet({
    config,
    log: createLogger({ level: 'silent' }),
    db,
    audit: undefined as never,
  });
  try {
    const names = fleet.hosts.names();
    if (names.length === 0)
      return [
        {
          check: 'ssh: hosts',
          status: 'warn',
          detail: 'the module is on but modules.ssh.hosts is empty',
          fix: 'add hosts to modules.ssh.hosts (docs/ssh.md), then pin each key with `tailwarden hosts trust NAME`',
        },
      ];
    const checks = await Promise.all(names.map((name) => fleet.check(name, signal)));
    return checks.map((c): DoctorCheck => {
      const check = `ssh: host ${c.host}`;
      if (!c.pinned_fingerprint)
        return {
          check,
          status: 'fail',
          detail: `${c.address}: no pinned host key, so the host is refused`,
          fix: `tailwarden hosts trust ${c.host} (compare the fingerprint with ssh-keygen -lf on the host)`,
        };
      if (!c.reachable)
        return {
          check,
          status: 'fail',
          detail: `${c.address} unreachable: ${c.error ?? 'no answer'}`,
          fix: 'check that the host is up and its sshd listens there (address and port in modules.ssh.hosts)',
        };
      if (!c.key_matches)
        return {
          check,
          status: 'fail',
          detail: `${c.address} presents ${c.presented_fingerprint}, not the pinned ${c.pinned_fingerprint}`,
          fix: `if the host was reinstalled, check its key on the host and run tailwarden hosts trust ${c.host}; otherwise treat it as an attack`,
        };
      if (!c.login_ok)
        return {
          check,
          status: 'fail',
          detail: `${c.address}: login refused: ${c.error ?? 'unknown reason'}`,
          fix: "put the gateway's public key in the host user's ~/.ssh/authorized_keys (key_file in modules.ssh.hosts)",
        };
      return {
        check,
        status: 'ok',
        detail: `${c.address}, key pinned and matching, login ok (${c.latency_ms} ms)`,
      };
    });
  } finally {
    await fleet.pool.close();
  }
}
