import type { Config } from '../config/schema.ts';
import type { Permission } from '../policy/permissions.ts';
import type { Principal } from './principal.ts';
import { rolesGranting } from './roles.ts';

/** How a principal of each kind gets more permissions — appended to every permission denial. */
function grantHint(principal: Principal, roles: string[]): string {
  const role = roles[0] ?? '<role>';
  switch (principal.kind) {
    case 'token':
      return `Ask the gateway's administrator for a token with that permission (tailwarden token create --name NAME --role ${role}).`;
    case 'anonymous':
      return 'Authentication mode "none" grants only auth.default_role; use token authentication for more.';
    default:
      return `Ask the gateway's administrator to grant you the role "${role}" (gateway config roles mapping, or the tailnet policy grant that carries your roles).`;
  }
}

export function permissionDeniedMessage(
  config: Pick<Config, 'roles'>,
  principal: Principal,
  tool: string,
  permission: Permission,
): string {
  const roles = rolesGranting(config, permission);
  const held = principal.roles.length > 0 ? `roles: ${principal.roles.join(', ')}` : 'no role';
  const grantedBy = roles.length > 0 ? ` Roles that grant it: ${roles.join(', ')}.` : '';
  return `Permission denied: ${tool} needs "${permission}", which ${principal.name} (${held}) does not hold.${grantedBy} ${grantHint(principal, roles)}`;
}
