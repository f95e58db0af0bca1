import type { JsonSchema } from './schema-values.ts';

/**
 * Values an argument that names something (a unit, a package, a container, an image, a stack, a
 * ref, a host, a device, a catalog parameter…) must refuse: each can be read as an option by the
 * program it ends up in, or flips what the call does. Free-text arguments (FREE_TEXT) are exempt.
 */
export const OPTION_LIKE = ['--all', '-oAPT::Foo=1', '-', '--', '-rf', '--force=true', '-x\n'];

/** Apt reads a trailing "-" as remove and "+" as install: a package list must refuse both. */
export const FLIPS_MEANING: Record<string, string[]> = {
  packages: ['nginx-', 'nginx+', 'curl=7.88.1-10-', 'pkg.deb'],
};

/**
 * Arguments of high/critical tools that are text by design, where "--all" is a legitimate value.
 * Anything not listed here that takes a string is a name and must refuse OPTION_LIKE before an
 * approval exists. A new tool is covered as soon as it is registered.
 */
export const FREE_TEXT: Record<string, readonly string[]> = {
  tailscale_policy_update: ['policy', 'etag'],
  tailscale_policy_rollback: ['etag'],
  tailscale_key_create: ['description'],
  tailscale_service_create: ['comment'],
  tailscale_service_update: ['comment'],
  docker_stack_deploy: ['environment.*'],
  // The test module's stand-ins (test/support/test-module.ts) take any text.
  test_thing_restart: ['name'],
  test_thing_wipe: ['name'],
};

/** What makes each high/critical tool's call valid (the positive control); the rest comes from its schema. */
export const VALID: Record<string, Record<string, unknown>> = {
  docker_container_start: { container: 'web' },
  docker_container_stop: { container: 'web' },
  docker_container_restart: { container: 'web', host: 'web1' },
  docker_container_pause: { container: 'web' },
  docker_container_unpause: { container: 'web' },
  docker_container_remove: { container: 'web' },
  docker_container_update: { container: 'web' },
  docker_image_pull: { image: 'nginx:1.27' },
  docker_image_remove: { image: 'nginx:1.27' },
  docker_image_prune: { label: ['app=web'] },
  docker_stack_deploy: {
    name: 'app',
    repository: 'https://github.com/owner/app.git',
    ref: 'main',
    compose_file: 'deploy/compose.yaml',
    environment: { TZ: 'UTC' },
  },
  docker_stack_update: { name: 'app', ref: 'v2' },
  docker_stack_down: { name: 'app' },
  docker_stack_remove: { name: 'app' },
  ssh_command_exec: { host: 'web1', command: 'restart_unit', parameters: { unit: 'nginx' } },
  ssh_command_run_critical: { host: 'web1', command: 'wipe_dir', parameters: { path: '/srv/app' } },
  system_packages_install: { packages: ['nginx'] },
  system_packages_remove: { packages: ['nginx'] },
  system_service_start: { unit: 'nginx' },
  system_service_stop: { unit: 'nginx' },
  system_service_restart: { unit: 'nginx' },
  system_service_reload: { unit: 'nginx' },
  system_service_enable: { unit: 'nginx' },
  system_service_disable: { unit: 'nginx' },
  tailscale_device_authorize: { device: 'nas' },
  tailscale_device_deauthorize: { device: 'nas' },
  tailscale_device_delete: { device: 'nas' },
  tailscale_device_key_expire: { device: 'nas' },
  tailscale_device_key_expiry_set: { device: 'nas', disabled: true },
  tailscale_device_rename: { device: 'nas', name: 'nas2' },
  tailscale_device_tags_set: { device: 'nas', tags: ['tag:server'] },
  tailscale_dns_nameservers_set: { nameservers: ['1.1.1.1'] },
  tailscale_dns_searchpaths_set: { search_paths: ['home.arpa'] },
  tailscale_dns_split_set: { domain: 'home.arpa', nameservers: ['10.0.0.1'] },
  tailscale_dns_split_remove: { domain: 'home.arpa' },
  tailscale_key_revoke: { id: 'kAbC123CNTRL' },
  tailscale_policy_update: { policy: '{"acls": []}', etag: '"abc"' },
  tailscale_policy_rollback: { version: 1, etag: '"abc"' },
  tailscale_routes_enable: { device: 'nas', routes: ['10.0.0.0/24'] },
  tailscale_routes_disable: { device: 'nas', routes: ['10.0.0.0/24'] },
  tailscale_serve_enable: { local_port: 8080, https_port: 443, path: '/app' },
  tailscale_serve_disable: { https_port: 443, path: '/app' },
  tailscale_service_create: { service: 'svc:web', ports: ['tcp:443'] },
  proxmox_snapshot_rollback: { vmid: 101, snapname: 'pre_upgrade' },
  proxmox_snapshot_delete: { vmid: 101, snapname: 'pre_upgrade' },
  proxmox_backup_delete: { volid: 'local:backup/vzdump-lxc-105-2026_01_31-02_00_00.tar.zst' },
  proxmox_task_stop: { upid: 'UPID:pve1:0000A1B2:00C3D4E5:65B8F000:vzdump:105:root@pam:' },
  proxmox_guest_config_set: { vmid: 101, digest: 'a'.repeat(40), set: { memory: 2048 } },
};

/** A catalog with one high and one critical command that take a string and a path parameter. */
export const TEST_CATALOG = `commands:
  - name: restart_unit
    description: Restart a unit.
    argv: [systemctl, restart, --, '{unit}']
    risk: high
    permission: ssh:exec
    parameters:
      unit: { type: string, description: Unit name. }
  - name: wipe_dir
    description: Empty a directory.
    argv: [find, '{path}', -mindepth, '1', -delete]
    risk: critical
    permission: ssh:exec
    parameters:
      path: { type: path, roots: [/srv], description: Directory. }
`;

/** Where a string can go in a tool's arguments: a property, an element of a list, a value of a map. */
export function stringSlots(schema: JsonSchema, valid: Record<string, unknown>): string[][] {
  const slots: string[][] = [];
  const isString = (s: JsonSchema | undefined): boolean =>
    !!s &&
    (s.type === 'string' || (s.anyOf ?? s.oneOf ?? []).some(isString)) &&
    !s.enum &&
    s.const === undefined;
  for (const [name, property] of Object.entries(schema.properties ?? {})) {
    if (isString(property)) slots.push([name]);
    else if (property.type === 'array' && isString(property.items)) slots.push([name, '0']);
    else if (property.type === 'object') {
      const extra = (property as { additionalProperties?: JsonSchema }).additionalProperties;
      if (!isString(extra)) continue;
      const keys = Object.keys((valid[name] as Record<string, unknown> | undefined) ?? {});
      for (const key of keys.length ? keys : ['x']) slots.push([name, key]);
    }
  }
  return slots;
}

export function isFreeText(tool: string, slot: string[]): boolean {
  const free = FREE_TEXT[tool] ?? [];
  return free.includes(slot[0]!) || free.includes(`${slot[0]}.*`);
}

/** A copy of `base` with `value` at `slot` (a list slot replaces the whole list with [value]). */
export function withValue(
  base: Record<string, unknown>,
  slot: string[],
  value: string,
): Record<string, unknown> {
  const args = structuredClone(base);
  const [name, inner] = slot as [string, string | undefined];
  if (inner === undefined) args[name] = value;
  else if (inner === '0') args[name] = [value];
  else args[name] = { ...((args[name] as Record<string, unknown>) ?? {}), [inner]: value };
  return args;
}
