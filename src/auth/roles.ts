import type { Config } from '../config/schema.ts';
import { expandPermissions, type Permission } from '../policy/permissions.ts';

/** Roles and explicit permissions → the expanded permission set. Unknown roles grant nothing. */
export function permissionsFor(
  config: Pick<Config, 'roles'>,
  roles: readonly string[],
  explicit: readonly string[] = [],
): ReadonlySet<Permission> {
  const granted: string[] = [...explicit];
  for (const role of roles) granted.push(...(config.roles[role] ?? []));
  return expandPermissions(granted);
}

export function unknownRoles(config: Pick<Config, 'roles'>, roles: readonly string[]): string[] {
  return roles.filter((role) => !(role in config.roles));
}

/** Roles (by name) whose permissions include `permission` — for "how to get it" messages. */
export function rolesGranting(config: Pick<Config, 'roles'>, permission: Permission): string[] {
  return Object.keys(config.roles).filter((role) => permissionsFor(config, [role]).has(permission));
}
