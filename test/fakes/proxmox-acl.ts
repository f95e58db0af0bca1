/**
 * Privileges for the fake Proxmox API: the built-in roles as pve-access-control
 * builds them (PVE/AccessControl.pm $privgroups), ACL entries per token, and
 * the two answers the gateway relies on: "does the token hold P on path X"
 * (the most specific ACL path wins; an entry applies below its path only when
 * it propagates) and `GET /access/permissions` (path → privilege → propagate).
 */
export const ROLES: Record<string, readonly string[]> = {
  PVEAuditor: [
    'VM.Audit',
    'VM.GuestAgent.Audit',
    'Sys.Audit',
    'Datastore.Audit',
    'Pool.Audit',
    'SDN.Audit',
    'Mapping.Audit',
  ],
  PVEVMUser: [
    'VM.Audit',
    'VM.GuestAgent.Audit',
    'VM.Config.CDROM',
    'VM.Config.Cloudinit',
    'VM.Console',
    'VM.Backup',
    'VM.PowerMgmt',
    'VM.GuestAgent.FileRead',
    'VM.GuestAgent.FileSystemMgmt',
    'VM.GuestAgent.FileWrite',
  ],
  PVEVMAdmin: [
    'VM.Audit',
    'VM.GuestAgent.Audit',
    'VM.Config.CDROM',
    'VM.Config.Cloudinit',
    'VM.Console',
    'VM.Backup',
    'VM.PowerMgmt',
    'VM.Config.Disk',
    'VM.Config.CPU',
    'VM.Config.Memory',
    'VM.Config.Network',
    'VM.Config.HWType',
    'VM.Config.Options',
    'VM.Allocate',
    'VM.Clone',
    'VM.Migrate',
    'VM.Snapshot',
    'VM.Snapshot.Rollback',
  ],
  PVEDatastoreUser: ['Datastore.AllocateSpace', 'Datastore.Audit'],
  /** The least-privilege role ct/tailwarden.sh creates for the gateway. */
  TailwardenGateway: [
    'VM.Audit',
    'VM.PowerMgmt',
    'VM.Snapshot',
    'VM.Snapshot.Rollback',
    'VM.Backup',
    'VM.Config.CPU',
    'VM.Config.Memory',
    'VM.Config.Options',
    'Datastore.Audit',
    'Datastore.AllocateSpace',
    'Sys.Audit',
  ],
};

export interface AclEntry {
  path: string;
  /** A role name from ROLES, or privileges. */
  roles: readonly string[];
  propagate: boolean;
}

export interface FakeToken {
  /** USER@REALM!TOKENID */
  id: string;
  secret: string;
  /** The token's effective ACL (for a privilege-separated token: its own entries only). */
  acl: AclEntry[];
}

function privsOf(entry: AclEntry): Set<string> {
  return new Set(entry.roles.flatMap((r) => ROLES[r] ?? [r]));
}

function ancestry(path: string): string[] {
  const parts = path.split('/').filter(Boolean);
  return ['/', ...parts.map((_, i) => `/${parts.slice(0, i + 1).join('/')}`)];
}

/** privilege → propagate, at `path`, from the most specific ACL entry on it or above it. */
export function permissionsAt(token: FakeToken, path: string): Record<string, number> {
  let result: Record<string, number> = {};
  for (const at of ancestry(path)) {
    const entries = token.acl.filter((e) => e.path === at);
    if (entries.length === 0) {
      // Inherited: only what propagates.
      result = Object.fromEntries(Object.entries(result).filter(([, p]) => p === 1));
      continue;
    }
    result = {};
    for (const e of entries)
      for (const p of privsOf(e)) result[p] = Math.max(result[p] ?? 0, e.propagate ? 1 : 0);
  }
  // At the path itself, non-propagating privileges count; below their entry they were filtered above.
  return result;
}

export function tokenHolds(token: FakeToken, path: string, privilege: string): boolean {
  return privilege in permissionsAt(token, path);
}

/** `GET /access/permissions`: the top-level paths and every ACL path, with what the token holds there. */
export function effectivePermissions(
  token: FakeToken,
  path?: string,
): Record<string, Record<string, number>> {
  const paths = path
    ? [path]
    : [
        ...new Set([
          '/',
          '/access',
          '/access/groups',
          '/nodes',
          '/pool',
          '/sdn',
          '/storage',
          '/vms',
          ...token.acl.map((e) => e.path),
        ]),
      ];
  const out: Record<string, Record<string, number>> = {};
  for (const p of paths) {
    const perms = permissionsAt(token, p);
    if (Object.keys(perms).length > 0) out[p] = perms;
  }
  return out;
}
