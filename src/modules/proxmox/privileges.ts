import type { ProxmoxClient } from './client.ts';

/**
 * What Proxmox privileges the tools need, and how to tell from the token's
 * effective permissions (`GET /access/permissions`: path → privilege →
 * propagate flag, as pve-access-control's get_effective_permissions builds it)
 * whether it holds them. A privilege-separated token without ACL entries of its
 * own gets *empty lists* rather than errors; these checks turn that silence
 * into a named privilege and the command that grants it.
 */
export type EffectivePermissions = Record<string, Record<string, number>>;

/** Paths Proxmox always evaluates: when one is missing from the answer the token holds nothing there. */
const ALWAYS_LISTED = new Set([
  '/',
  '/access',
  '/access/groups',
  '/nodes',
  '/pool',
  '/sdn',
  '/storage',
  '/vms',
]);

function parent(path: string): string {
  const cut = path.lastIndexOf('/');
  return cut <= 0 ? '/' : path.slice(0, cut);
}

/** Does the token hold `privilege` on `path` (directly, or inherited from a propagating ancestor)? */
export function holds(perms: EffectivePermissions, path: string, privilege: string): boolean {
  if (perms[path]) return privilege in perms[path]!;
  if (ALWAYS_LISTED.has(path) || path === '/') return false;
  let at = parent(path);
  for (;;) {
    const entry = perms[at];
    if (entry) return entry[privilege] === 1;
    if (ALWAYS_LISTED.has(at) || at === '/') return false;
    at = parent(at);
  }
}

/** Paths below `prefix` (e.g. single guests under /vms, or pools) where the token holds `privilege`. */
export function heldBelow(
  perms: EffectivePermissions,
  prefixes: readonly string[],
  privilege: string,
): string[] {
  return Object.keys(perms).filter(
    (path) => prefixes.some((p) => path.startsWith(`${p}/`)) && privilege in perms[path]!,
  );
}

export interface Need {
  privilege: string;
  /** Where it is needed for every guest/storage: /vms, /storage, /nodes or /. */
  path: string;
  /** Narrower grants that still give part of it (single guests, pools, storages). */
  partial?: readonly string[];
}

export interface Capability {
  id: string;
  what: string;
  tools: readonly string[];
  /** Every one is needed; `anyOf` lists alternatives for one need. */
  needs: readonly (Need | { anyOf: readonly Need[] })[];
  /** A built-in Proxmox role that carries the privileges. */
  role: string;
}

const VMS = { path: '/vms', partial: ['/vms', '/pool'] };
const STORAGE = { path: '/storage', partial: ['/storage'] };

export const CAPABILITIES: readonly Capability[] = [
  {
    id: 'see_guests',
    what: 'list guests and read their status, config, snapshots and history',
    tools: [
      'proxmox_guests_list',
      'proxmox_guest_status',
      'proxmox_guest_config_get',
      'proxmox_snapshots_list',
      'proxmox_guest_history',
    ],
    needs: [{ privilege: 'VM.Audit', ...VMS }],
    role: 'PVEAuditor',
  },
  {
    id: 'see_nodes',
    what: 'read node status and history, and the tasks of other users (a token always sees its own)',
    tools: ['proxmox_node_status', 'proxmox_node_history', 'proxmox_tasks_list', 'proxmox_task_get'],
    needs: [{ privilege: 'Sys.Audit', path: '/nodes', partial: ['/nodes'] }],
    role: 'PVEAuditor',
  },
  {
    id: 'see_storage',
    what: 'see storages, their use and the backups on them',
    tools: ['proxmox_storage_list', 'proxmox_backups_list', 'proxmox_backup_coverage'],
    needs: [{ privilege: 'Datastore.Audit', ...STORAGE }],
    role: 'PVEAuditor',
  },
  {
    id: 'see_backup_jobs',
    what: 'list backup jobs and the guests no job covers',
    tools: ['proxmox_backup_jobs_list', 'proxmox_backup_coverage'],
    needs: [{ privilege: 'Sys.Audit', path: '/' }],
    role: 'PVEAuditor',
  },
  {
    id: 'power',
    what: 'start, shut down, reboot, suspend, resume, stop and reset guests',
    tools: [
      'proxmox_guest_start',
      'proxmox_guest_shutdown',
      'proxmox_guest_reboot',
      'proxmox_guest_suspend',
      'proxmox_guest_resume',
      'proxmox_guest_stop',
      'proxmox_guest_reset',
    ],
    needs: [{ privilege: 'VM.PowerMgmt', ...VMS }],
    role: 'PVEVMUser',
  },
  {
    id: 'snapshots',
    what: 'create and delete snapshots',
    tools: ['proxmox_snapshot_create', 'proxmox_snapshot_delete'],
    needs: [{ privilege: 'VM.Snapshot', ...VMS }],
    role: 'PVEVMAdmin',
  },
  {
    id: 'rollback',
    what: 'roll a guest back to a snapshot',
    tools: ['proxmox_snapshot_rollback'],
    needs: [
      {
        anyOf: [
          { privilege: 'VM.Snapshot.Rollback', ...VMS },
          { privilege: 'VM.Snapshot', ...VMS },
        ],
      },
    ],
    role: 'PVEVMAdmin',
  },
  {
    id: 'backups',
    what: 'start backups and delete backup files',
    tools: ['proxmox_backup_start', 'proxmox_backup_delete'],
    needs: [
      { privilege: 'VM.Backup', ...VMS },
      { privilege: 'Datastore.AllocateSpace', ...STORAGE },
    ],
    role: 'PVEVMUser + PVEDatastoreUser',
  },
  {
    id: 'config',
    what: 'change CPU, memory and general options of guests',
    tools: ['proxmox_guest_config_set'],
    needs: [
      { privilege: 'VM.Config.CPU', ...VMS },
      { privilege: 'VM.Config.Memory', ...VMS },
      { privilege: 'VM.Config.Options', ...VMS },
    ],
    role: 'PVEVMAdmin',
  },
];

export interface CapabilityStatus {
  capability: string;
  what: string;
  status: 'yes' | 'partly' | 'no';
  /** Privileges missing on the whole path, each with where it is needed. */
  missing: string[];
  /** Narrower grants found (single guests, pools, storages). */
  only_on: string[];
  tools: string[];
  fix?: string;
}

export function judgeCapability(perms: EffectivePermissions, capability: Capability, tokenId: string) {
  const missing: string[] = [];
  const onlyOn = new Set<string>();
  for (const need of capability.needs) {
    const alternatives = 'anyOf' in need ? need.anyOf : [need];
    if (alternatives.some((n) => holds(perms, n.path, n.privilege))) continue;
    missing.push(alternatives.map((n) => `${n.privilege} on ${n.path}`).join(' or '));
    for (const n of alternatives)
      for (const p of heldBelow(perms, n.partial ?? [], n.privilege)) onlyOn.add(p);
  }
  const status: CapabilityStatus['status'] = missing.length === 0 ? 'yes' : onlyOn.size > 0 ? 'partly' : 'no';
  const paths = [...new Set(capability.needs.flatMap((n) => ('anyOf' in n ? [n.anyOf[0]!.path] : [n.path])))];
  return {
    capability: capability.id,
    what: capability.what,
    status,
    missing,
    only_on: [...onlyOn].sort(),
    tools: [...capability.tools],
    fix:
      status === 'yes'
        ? undefined
        : paths
            .map(
              (path) =>
                `pveum acl modify ${path} --tokens '${tokenId}' --roles ${capability.role.split(' + ')[0]}`,
            )
            .join('; ') +
          ` (or add ${missing.join(', ')} to the role the token already has; privilege-separated tokens need ACL entries of their own)`,
  } satisfies CapabilityStatus;
}

/** The token's own effective permissions (a token may always read them). */
export function effectivePermissions(
  client: ProxmoxClient,
  signal?: AbortSignal,
): Promise<EffectivePermissions> {
  return client.get<EffectivePermissions>('/access/permissions', undefined, {
    action: 'read the token’s permissions',
    signal,
  });
}

/**
 * For a list Proxmox answered empty: a sentence naming the privilege the token
 * lacks, or undefined when it holds it (the list is really empty).
 */
export async function explainEmpty(
  client: ProxmoxClient,
  need: Need,
  what: string,
  signal?: AbortSignal,
): Promise<string | undefined> {
  const perms = await effectivePermissions(client, signal).catch(() => undefined);
  if (!perms) return `Proxmox returned no ${what}; the token's permissions could not be read to tell why.`;
  if (holds(perms, need.path, need.privilege)) return undefined;
  const narrower = heldBelow(perms, need.partial ?? [], need.privilege);
  if (narrower.length > 0) return undefined;
  return `Proxmox returned no ${what} on cluster "${client.name}": the token ${client.tokenId} lacks ${need.privilege} on ${need.path}, so Proxmox hides them instead of refusing. Grant it: pveum acl modify ${need.path} --tokens '${client.tokenId}' --roles PVEAuditor (privilege-separated tokens need ACL entries of their own).`;
}
