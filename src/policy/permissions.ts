/**
 * Permissions are `<area>:<level>`. Levels within an area are ordered: holding a
 * level implies every level before it (admin ⊇ write ⊇ read). Anything not in
 * this table is unknown, and unknown permissions are refused wherever they appear.
 */
export const PERMISSION_AREAS = {
  system: ['read', 'write', 'admin'],
  docker: ['read', 'write', 'admin'],
  files: ['read'],
  network: ['diag'],
  tailscale: ['read', 'write', 'admin'],
  ssh: ['read', 'exec'],
  proxmox: ['read', 'write', 'admin'],
  approvals: ['grant'],
  audit: ['read'],
  metrics: ['read'],
  /** Read secrets in tool results (env values, passwords in URLs and command lines); without it they are masked. */
  secrets: ['read'],
} as const satisfies Record<string, readonly string[]>;

type Areas = typeof PERMISSION_AREAS;
export type PermissionArea = keyof Areas;
export type Permission = { [A in PermissionArea]: `${A}:${Areas[A][number]}` }[PermissionArea];

export const ALL_PERMISSIONS: readonly Permission[] = Object.entries(PERMISSION_AREAS).flatMap(
  ([area, levels]) => levels.map((level) => `${area}:${level}` as Permission),
);

const KNOWN = new Set<string>(ALL_PERMISSIONS);

export function isPermission(value: string): value is Permission {
  return KNOWN.has(value);
}

function levelIndex(permission: Permission): { area: PermissionArea; rank: number } {
  const [area, level] = permission.split(':') as [PermissionArea, string];
  return { area, rank: (PERMISSION_AREAS[area] as readonly string[]).indexOf(level) };
}

/** Expand granted permissions with everything they imply, so checks are a set lookup. */
export function expandPermissions(granted: Iterable<string>): ReadonlySet<Permission> {
  const out = new Set<Permission>();
  for (const p of granted) {
    if (!isPermission(p)) continue; // unknown permissions grant nothing
    const { area, rank } = levelIndex(p);
    const levels = PERMISSION_AREAS[area] as readonly string[];
    for (let i = 0; i <= rank; i++) out.add(`${area}:${levels[i]}` as Permission);
  }
  return out;
}

export function hasPermission(granted: ReadonlySet<Permission>, required: Permission): boolean {
  return granted.has(required);
}

/** The smallest set that still implies everything in `granted` (for display). */
export function compactPermissions(granted: ReadonlySet<Permission>): Permission[] {
  return [...granted].filter((p) => {
    const { area, rank } = levelIndex(p);
    const levels = PERMISSION_AREAS[area] as readonly string[];
    return !levels.slice(rank + 1).some((l) => granted.has(`${area}:${l}` as Permission));
  });
}

/** Parse a user-supplied list ("a,b" or array); throws with the unknown names. */
export function parsePermissionList(input: string | readonly string[]): Permission[] {
  const items = (typeof input === 'string' ? input.split(',') : [...input])
    .map((s) => s.trim())
    .filter(Boolean);
  const unknown = items.filter((p) => !isPermission(p));
  if (unknown.length > 0) {
    throw new Error(`unknown permission(s): ${unknown.join(', ')}. Known: ${ALL_PERMISSIONS.join(', ')}`);
  }
  return items as Permission[];
}

function highestOfEachArea(pick: (levels: readonly string[]) => string | undefined): Permission[] {
  return Object.entries(PERMISSION_AREAS).flatMap(([area, levels]) => {
    const level = pick(levels);
    return level ? [`${area}:${level}` as Permission] : [];
  });
}

/** Reading secrets is never implied by "read everything": only admin has it by default. */
const notSecrets = (p: Permission) => !p.startsWith('secrets:');

/** Built-in roles; the config may redefine them or add others. */
export const DEFAULT_ROLES: Record<string, Permission[]> = {
  viewer: highestOfEachArea((levels) => (levels.includes('read') ? 'read' : undefined)).filter(notSecrets),
  operator: [
    ...highestOfEachArea((levels) =>
      levels.includes('write') ? 'write' : levels.includes('read') ? 'read' : undefined,
    ).filter(notSecrets),
    'network:diag',
  ],
  admin: highestOfEachArea((levels) => levels[levels.length - 1]),
};
