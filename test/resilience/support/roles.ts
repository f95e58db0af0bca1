import { DEFAULT_ROLES, PERMISSION_AREAS } from '../../../src/policy/permissions.ts';

/** The built-in roles plus narrow ones, so a matrix also covers roles that hold one area. */
export const ROLES: Record<string, string[]> = {
  ...DEFAULT_ROLES,
  auditor: ['audit:read', 'metrics:read'],
  'fleet-runner': ['ssh:exec', 'system:read'],
  'docker-operator': ['docker:write'],
  'net-diag': ['network:diag', 'tailscale:read'],
};

/**
 * Whether a role holds a permission, worked out here rather than with the gateway's own
 * expandPermissions (so a bug there cannot hide): a level implies every lower level of its area.
 */
export function roleHolds(role: string, required: string): boolean {
  const [area, level] = required.split(':') as [keyof typeof PERMISSION_AREAS, string];
  const levels: readonly string[] = PERMISSION_AREAS[area];
  return (ROLES[role] ?? []).some((granted) => {
    const [grantedArea, grantedLevel] = granted.split(':');
    return grantedArea === area && levels.indexOf(grantedLevel ?? '') >= levels.indexOf(level);
  });
}
