import type { Config } from '../config/schema.ts';
import type { Principal, PrincipalKind } from './principal.ts';
import { permissionsFor } from './roles.ts';

/** Claim values that name roles or groups: a string (space or comma separated) or an array of strings. */
export function claimStrings(value: unknown): string[] {
  if (typeof value === 'string') return value.split(/[\s,]+/).filter(Boolean);
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string' && v.length > 0);
  return [];
}

export interface RoleSources {
  /** Identifiers of the principal the config's `auth.users` may name (login, e-mail, subject). */
  identities: readonly (string | undefined)[];
  /** Groups (or node tags) the config's `auth.groups` may name. */
  groups?: readonly string[];
  /** Roles the identity provider or tailnet policy states directly. */
  claimed?: readonly string[];
}

/** Roles from the config mapping and from the provider, deduplicated; auth.default_role when there are none. */
export function mapRoles(config: Pick<Config, 'auth'>, sources: RoleSources): string[] {
  const roles = new Set<string>();
  for (const id of sources.identities) {
    if (id) for (const role of config.auth.users[id] ?? []) roles.add(role);
  }
  for (const group of sources.groups ?? [])
    for (const role of config.auth.groups[group] ?? []) roles.add(role);
  for (const role of sources.claimed ?? []) roles.add(role);
  if (roles.size === 0 && config.auth.default_role) roles.add(config.auth.default_role);
  return [...roles];
}

export interface PrincipalFacts {
  kind: PrincipalKind;
  id: string;
  name: string;
  roles: string[];
  permissions?: readonly string[];
  login?: string;
  email?: string;
  clientId?: string;
  expiresAt?: number;
}

export function buildPrincipal(config: Pick<Config, 'roles'>, facts: PrincipalFacts): Principal {
  const { permissions = [], ...rest } = facts;
  const principal: Principal = { ...rest, permissions: permissionsFor(config, facts.roles, permissions) };
  for (const key of Object.keys(principal) as (keyof Principal)[])
    if (principal[key] === undefined) delete (principal as unknown as Record<string, unknown>)[key];
  return Object.freeze(principal);
}

/** `<public url>/mcp`: the resource tokens must be issued for (RFC 8707 / 9728). */
export function canonicalResource(publicUrl: string): string {
  return `${publicUrl.replace(/\/+$/, '')}/mcp`;
}
