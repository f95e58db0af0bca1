import type { AuditLog } from '../audit/log.ts';
import type { HealthReport } from '../auth/verifier.ts';
import type { Config } from '../config/schema.ts';
import type { Logger } from '../log.ts';
import type { ToolCaller } from '../mcp/call.ts';
import type { PromptDefinition } from '../mcp/prompt.ts';
import type { ResourceDefinition } from '../mcp/resource.ts';
import type { ToolDefinition } from '../mcp/tool.ts';
import type { StateDb } from '../state/db.ts';

/** What a module is handed when the gateway starts it. */
export interface ModuleDeps {
  config: Config;
  log: Logger;
  db: StateDb;
  audit: AuditLog;
  /**
   * The context of another module, looked up when called (so start order does not matter);
   * undefined when that module is off. Used for cross-module features such as Docker over SSH.
   */
  peer?: (id: string) => unknown;
  /**
   * Resolves once the daemon answers requests (after listen). Background work that forks commands or loads
   * client libraries (the first metrics collection) waits for it, so it does not delay the first answer.
   */
  started?: Promise<void>;
}

/** One line of `tailwarden doctor`: what was checked, how it stands, and the exact fix when it is not ok. */
export interface DoctorCheck {
  /** e.g. "docker: socket", "ssh: host nas". */
  check: string;
  status: 'ok' | 'warn' | 'fail';
  detail: string;
  fix?: string;
}

/** What a module's doctor is handed: no started gateway, only the config, the state and a deadline. */
export interface DoctorDeps {
  config: Config;
  log: Logger;
  db: StateDb;
  signal: AbortSignal;
}

/**
 * What a started module may be handed once the whole gateway stands: the one call wrapper
 * (for a module that acts on its own, as remediations do) and the approval requests.
 */
export interface GatewayLink {
  caller: ToolCaller;
  /** The state of an approval request (pending, approved, denied, expired, used), undefined when unknown. */
  approvalState(id: string): string | undefined;
}

/** A started module: the context its handlers receive, its health, and its cleanup. */
export interface ModuleRuntime<X = unknown> {
  context: X;
  health(): HealthReport | Promise<HealthReport>;
  /** Called once after every module started and the call wrapper exists. */
  connect?(link: GatewayLink): void;
  close?(): void | Promise<void>;
}

/**
 * A group of tools over one system (the host, Docker, the tailnet, SSH hosts).
 * Modules know their own client library and nothing of HTTP or the MCP SDK.
 */
export interface ToolModule<X = unknown> {
  id: string;
  title: string;
  enabled(config: Config): boolean;
  // biome-ignore lint/suspicious/noExplicitAny: a module's tools have many input and output shapes
  tools: readonly ToolDefinition<any, any, X>[];
  /**
   * Named areas of the module, each a toolset `<module>.<area>` that tools.toolsets can
   * expose: area → tool-name prefixes (a name, or a name followed by "_"). Every tool
   * of a module that declares areas falls in exactly one.
   */
  areas?: Readonly<Record<string, readonly string[]>>;
  prompts?: readonly PromptDefinition[];
  resources?: readonly ResourceDefinition<X>[];
  start(deps: ModuleDeps): ModuleRuntime<X> | Promise<ModuleRuntime<X>>;
  /**
   * Checks for `tailwarden doctor` when the module is enabled: can it reach what it manages, with the rights
   * it needs? Runs in the CLI, not the daemon, so it checks the rights of whoever runs it (as installed, the
   * `tailwarden` command runs as the service user).
   */
  doctor?(deps: DoctorDeps): Promise<DoctorCheck[]>;
}

export function defineModule<X>(module: ToolModule<X>): ToolModule<X> {
  return module;
}
