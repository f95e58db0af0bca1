import { UriTemplate } from '@modelcontextprotocol/server';
import type { AuditLog } from '../audit/log.ts';
import { maskSecretsInText } from '../audit/secrets.ts';
import type { Principal } from '../auth/principal.ts';
import { principalSummary } from '../auth/principal.ts';
import { GatewayError, toGatewayError } from '../errors.ts';
import type { Logger } from '../log.ts';
import type { ModuleRuntime } from '../modules/types.ts';
import { cutText } from '../util/bounded.ts';
import { APPS_MODULE } from './apps/index.ts';
import { describeIssues } from './call-text.ts';
import type { ClientChannel } from './channel.ts';
import { renderFor } from './prompt.ts';
import type { RegisteredResource, Registry } from './registry.ts';
import type { ToolContext } from './tool.ts';

const MAX_SUBSCRIPTIONS_PER_SESSION = 20;
const MAX_SUBSCRIPTIONS = 2000;

/**
 * Prompts and resources. Each is linked to the tools it uses or shows, and follows
 * them: listed, read and rendered only for callers who can use those tools (the
 * exposure filter and permissions, through Registry.canUseAll). Reads are audited
 * like low-risk calls.
 */
export class Catalog {
  private readonly templates = new Map<RegisteredResource, UriTemplate>();
  /** session → uri → stop watching. */
  private readonly subscriptions = new Map<string, Map<string, () => void>>();
  private subscriptionCount = 0;

  private readonly registry: Registry;
  private readonly runtimes: ReadonlyMap<string, ModuleRuntime>;
  private readonly audit: AuditLog;
  private readonly log: Logger;

  constructor(
    registry: Registry,
    runtimes: ReadonlyMap<string, ModuleRuntime>,
    audit: AuditLog,
    log: Logger,
  ) {
    this.registry = registry;
    this.runtimes = runtimes;
    this.audit = audit;
    this.log = log;

    for (const resource of registry.resources) {
      if (resource.def.uriTemplate) this.templates.set(resource, new UriTemplate(resource.def.uriTemplate));
    }
  }

  private canUse(principal: Principal, tools: readonly string[]): boolean {
    return this.registry.canUseAll(principal.permissions, tools);
  }

  listPrompts(principal: Principal) {
    return [...this.registry.prompts.values()]
      .filter((p) => this.canUse(principal, p.def.requires))
      .map(({ def }) => ({
        name: def.name,
        title: def.title,
        description: def.description,
        arguments: Object.entries(def.args.shape).map(([name, schema]) => ({
          name,
          description: (schema as { description?: string }).description,
          required: !(schema as { safeParse: (v: unknown) => { success: boolean } }).safeParse(undefined)
            .success,
        })),
      }));
  }

  getPrompt(principal: Principal, name: string, args: Record<string, string> | undefined) {
    const prompt = this.registry.prompts.get(name);
    const unknown = () =>
      new GatewayError(
        'ERR_NOT_FOUND',
        `Unknown prompt "${cutText(name, 128)}". Call prompts/list for the prompts you may use.`,
      );
    if (!prompt || !this.canUse(principal, prompt.def.requires)) throw unknown();
    const parsed = prompt.def.args.safeParse(args ?? {});
    if (!parsed.success) {
      throw new GatewayError(
        'ERR_INPUT_REJECTED',
        `Invalid arguments for prompt ${name}: ${describeIssues(parsed.error.issues, Object.keys(prompt.def.args.shape))}. prompts/list shows its arguments.`,
      );
    }
    // Only the steps whose tools this caller can use; none left means nothing to walk through.
    const text = renderFor(prompt.def.render(parsed.data), (tools) => this.canUse(principal, tools));
    if (text === undefined) throw unknown();
    return {
      description: prompt.def.description,
      messages: [{ role: 'user' as const, content: { type: 'text' as const, text } }],
    };
  }

  private visible(principal: Principal) {
    return this.registry.resources.filter((r) => this.canUse(principal, r.def.tools));
  }

  listResources(principal: Principal) {
    return this.visible(principal)
      .filter((r) => r.def.uri)
      .map(({ def }) => ({
        uri: def.uri!,
        name: def.name,
        title: def.title,
        description: def.description,
        mimeType: def.mimeType,
      }));
  }

  listTemplates(principal: Principal) {
    return this.visible(principal)
      .filter((r) => r.def.uriTemplate)
      .map(({ def }) => ({
        uriTemplate: def.uriTemplate!,
        name: def.name,
        title: def.title,
        description: def.description,
        mimeType: def.mimeType,
      }));
  }

  /** Whether this caller may read this URI (listed to them, or matching a template they may read). */
  canRead(principal: Principal, uri: string): boolean {
    const found = this.match(uri);
    return found !== undefined && this.canUse(principal, found.resource.def.tools);
  }

  private match(uri: string): { resource: RegisteredResource; params: Record<string, string> } | undefined {
    for (const resource of this.registry.resources) {
      if (resource.def.uri === uri) return { resource, params: {} };
      const params = this.templates.get(resource)?.match(uri);
      if (params) {
        const flat = Object.fromEntries(
          Object.entries(params).map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : v]),
        );
        return { resource, params: flat };
      }
    }
    return undefined;
  }

  async readResource(
    principal: Principal,
    uri: string,
    channel: ClientChannel,
    signal: AbortSignal,
    sessionId?: string,
  ) {
    const found = this.match(uri);
    const record = {
      event: 'resource.read',
      uri,
      session_id: sessionId,
      principal: principalSummary(principal),
    };
    if (!found || !this.canUse(principal, found.resource.def.tools)) {
      await this.audit.append({ ...record, decision: 'denied', error_code: 'ERR_NOT_FOUND' });
      throw new GatewayError(
        'ERR_NOT_FOUND',
        `Unknown resource "${cutText(uri, 256)}". Call resources/list for the resources you may read.`,
      );
    }
    await this.audit.append({ ...record, decision: 'allowed' });
    const runtime =
      found.resource.moduleId === APPS_MODULE ? { context: {} } : this.runtimes.get(found.resource.moduleId);
    if (!runtime)
      throw new GatewayError(
        'ERR_UPSTREAM_UNAVAILABLE',
        `The ${found.resource.moduleId} module is not running.`,
      );
    const ctx: ToolContext = {
      principal,
      log: this.log.child({ resource: uri }),
      signal,
      callId: `resource:${uri}`,
      sessionId,
      client: channel.info,
      progress: (u) => channel.progress(u),
      sample: (r) => channel.sample(r),
    };
    try {
      const contents = await found.resource.def.read(
        found.params,
        Object.assign(ctx, runtime.context as object),
      );
      // Like a tool result: masked for a reader without secrets:read.
      const text = principal.permissions.has('secrets:read')
        ? contents.text
        : maskSecretsInText(contents.text);
      return { contents: [{ uri, mimeType: contents.mimeType, text }] };
    } catch (error) {
      throw toGatewayError(error);
    }
  }

  /**
   * Subscribe a session to a resource that supports it (resources/subscribe): `updated` is
   * called when it changes, until unsubscribe, the session ends, or `updated` throws.
   */
  subscribe(principal: Principal, uri: string, session: string, updated: () => Promise<void>): void {
    const found = this.match(uri);
    if (!found || !this.canUse(principal, found.resource.def.tools))
      throw new GatewayError(
        'ERR_NOT_FOUND',
        `Unknown resource "${uri}". Call resources/list for the resources you may read.`,
      );
    const { def, moduleId } = found.resource;
    const runtime = this.runtimes.get(moduleId);
    if (!def.subscribe || !runtime)
      throw new GatewayError(
        'ERR_INPUT_REJECTED',
        `${uri} does not change on its own; read it again when you need it.`,
      );
    const mine = this.subscriptions.get(session) ?? new Map<string, () => void>();
    if (mine.has(uri)) return;
    if (mine.size >= MAX_SUBSCRIPTIONS_PER_SESSION || this.subscriptionCount >= MAX_SUBSCRIPTIONS)
      throw new GatewayError(
        'ERR_RATE_LIMITED',
        'Too many resource subscriptions; unsubscribe from some first.',
      );
    let sending = false;
    const stop = def.subscribe(runtime.context as never, () => {
      if (sending) return; // one notification in flight per subscription is enough
      sending = true;
      updated().then(
        () => {
          sending = false;
        },
        () => this.unsubscribe(session, uri), // the session is gone
      );
    });
    mine.set(uri, stop);
    this.subscriptions.set(session, mine);
    this.subscriptionCount++;
  }

  /** End every subscription of a session (it closed or expired). */
  unsubscribeSession(session: string): void {
    for (const uri of [...(this.subscriptions.get(session)?.keys() ?? [])]) this.unsubscribe(session, uri);
  }

  /**
   * Watch every resource that changes on its own, for the 2026-07-28 `subscriptions/listen` feed
   * (the SDK filters each stream to the URIs it asked for and the ListenGuard to what its caller
   * may read). Returns the function that stops watching.
   */
  watchSelfChanging(updated: (uri: string) => void): () => void {
    const stops: (() => void)[] = [];
    for (const { def, moduleId } of this.registry.resources) {
      const runtime = this.runtimes.get(moduleId);
      if (!def.subscribe || !def.uri || !runtime) continue;
      const uri = def.uri;
      stops.push(def.subscribe(runtime.context as never, () => updated(uri)));
    }
    return () => {
      for (const stop of stops.splice(0)) stop();
    };
  }

  unsubscribe(session: string, uri: string): void {
    const mine = this.subscriptions.get(session);
    const stop = mine?.get(uri);
    if (!mine || !stop) return;
    stop();
    mine.delete(uri);
    this.subscriptionCount--;
    if (mine.size === 0) this.subscriptions.delete(session);
  }
}
