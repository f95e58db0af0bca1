import { AuditHeadStore } from './audit/head.ts';
import { AuditLog } from './audit/log.ts';
import { auditPath } from './audit/path.ts';
import { Authenticator } from './auth/authenticator.ts';
import { createVerifiers } from './auth/modes.ts';
import { TokenStore } from './auth/token-store.ts';
import type { HealthReport } from './auth/verifier.ts';
import type { Config } from './config/schema.ts';
import type { Logger } from './log.ts';
import { ToolCaller } from './mcp/call.ts';
import { Catalog } from './mcp/catalog.ts';
import { Registry } from './mcp/registry.ts';
import { allModules } from './modules/index.ts';
import type { ModuleRuntime, ToolModule } from './modules/types.ts';
import { approvalRuleHandlers } from './policy/approvals/handlers.ts';
import { Approvals } from './policy/approvals/service.ts';
import { RiskGate, type RuleHandler } from './policy/gate.ts';
import { StateDb } from './state/db.ts';

export interface GatewayOptions {
  log: Logger;
  modules?: readonly ToolModule[];
  /** Handlers for the `confirm` and `approve` rules (the approvals feature installs them). */
  ruleHandlers?: Partial<Record<'confirm' | 'approve', RuleHandler>>;
  /** Resolves once the daemon listens (see ModuleDeps.started); by default at the next turn of the event loop. */
  started?: Promise<void>;
}

/** Everything behind the HTTP layer, started in dependency order and closed in reverse. */
export interface Gateway {
  config: Config;
  log: Logger;
  db: StateDb;
  audit: AuditLog;
  tokens: TokenStore;
  authenticator: Authenticator;
  registry: Registry;
  runtimes: Map<string, ModuleRuntime>;
  caller: ToolCaller;
  catalog: Catalog;
  approvals: Approvals;
  health(): Promise<Record<string, HealthReport>>;
  close(): Promise<void>;
}

export { auditPath };

async function startModules(modules: readonly ToolModule[], deps: Parameters<ToolModule['start']>[0]) {
  const runtimes = new Map<string, ModuleRuntime>();
  const peer = (id: string) => runtimes.get(id)?.context;
  for (const module of modules) {
    if (!module.enabled(deps.config)) continue;
    runtimes.set(
      module.id,
      await module.start({ ...deps, peer, log: deps.log.child({ module: module.id }) }),
    );
  }
  return runtimes;
}

export async function startGateway(config: Config, options: GatewayOptions): Promise<Gateway> {
  const { log } = options;
  const modules = options.modules ?? allModules;
  const db = new StateDb(config.state_dir);
  const auditHead = new AuditHeadStore(db);
  const audit = await AuditLog.open(auditPath(config), log, {
    head: auditHead,
    checkpointRecords: config.audit.checkpoint_records,
    checkpointIntervalMs: config.audit.checkpoint_interval,
  });
  const tokens = await TokenStore.open(db, config.state_dir);
  const authenticator = new Authenticator(createVerifiers({ config, log, tokens }));
  const registry = new Registry(modules, config);
  const started = options.started ?? new Promise<void>((resolve) => setImmediate(resolve));
  const runtimes = await startModules(modules, { config, log, db, audit, started });
  const approvals = new Approvals({ config, db, audit, log: log.child({ component: 'approvals' }) });
  const gate = new RiskGate(config, options.ruleHandlers ?? approvalRuleHandlers(config, audit, approvals));
  const caller = new ToolCaller({ config, registry, runtimes, audit, gate, log });
  const catalog = new Catalog(registry, runtimes, audit, log);
  const link = { caller, approvalState: (id: string) => approvals.store.get(id)?.state };
  for (const runtime of runtimes.values()) runtime.connect?.(link);

  return {
    config,
    log,
    db,
    audit,
    tokens,
    authenticator,
    registry,
    runtimes,
    caller,
    catalog,
    approvals,
    async health() {
      const checks: Record<string, HealthReport> = {
        audit: { status: 'ok' },
        state: { status: db.sqlite.isOpen ? 'ok' : 'unavailable' },
      };
      for (const [mode, report] of Object.entries(await authenticator.health()))
        checks[`auth.${mode}`] = report;
      for (const [id, runtime] of runtimes) {
        checks[`module.${id}`] = await Promise.resolve(runtime.health()).catch((error: Error) => ({
          status: 'unavailable' as const,
          detail: error.message,
        }));
      }
      return checks;
    },
    async close() {
      for (const runtime of [...runtimes.values()].reverse()) {
        await Promise.resolve(runtime.close?.()).catch((err) => log.warn({ err }, 'module close failed'));
      }
      await authenticator.close();
      approvals.close();
      await audit.close();
      auditHead.close();
      db.close();
    },
  };
}
