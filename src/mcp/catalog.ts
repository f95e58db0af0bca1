import { UriTemplate } from '@modelcontextprotocol/sdk/shared/uriTemplate.js';
import type { AuditLog } from '../audit/log.ts';
import { maskSecretsInText } from '../audit/secrets.ts';
import type { Principal } from '../auth/principal.ts';
import { principalSummary } from '../auth/principal.ts';
import { GatewayError, toGatewayError } from '../errors.ts';
import type { Logger } from '../log.ts';
import type { ModuleRuntime } from '../modules/types.ts';
import { cutText } from '../util/bounded.ts';
import type { ClientChannel } from './channel.ts';
import type { RegisteredResource, Registry } from './registry.ts';
import type { ToolContext } from './tool.ts';

/** Prompts and resources: listing filtered by permission, reads audited like low-risk calls. */
export class Catalog {
  private readonly templates = new Map<RegisteredResource, UriTemplate>();

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

  listPrompts(principal: Principal) {
    return [...this.registry.prompts.values()]
      .filter((p) => principal.permissions.has(p.def.permission))
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
    if (!prompt || !principal.permissions.has(prompt.def.permission)) {
      throw new GatewayError(
        'ERR_NOT_FOUND',
        `Unknown prompt "${cutText(name, 128)}". Call prompts/list for the prompts you may use.`,
      );
    }
    const parsed = prompt.def.args.safeParse(args ?? {});
    if (!parsed.success) {
      throw new GatewayError(
        'ERR_INPUT_REJECTED',
        `Invalid arguments for prompt ${name}: ${parsed.error.message}`,
      );
    }
    return {
      description: prompt.def.description,
      messages: [
        { role: 'user' as const, content: { type: 'text' as const, text: prompt.def.render(parsed.data) } },
      ],
    };
  }

  private visible(principal: Principal) {
    return this.registry.resources.filter((r) => principal.permissions.has(r.def.permission));
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
    if (!found || !principal.permissions.has(found.resource.def.permission)) {
      await this.audit.append({ ...record, decision: 'denied', error_code: 'ERR_NOT_FOUND' });
      throw new GatewayError(
        'ERR_NOT_FOUND',
        `Unknown resource "${cutText(uri, 256)}". Call resources/list for the resources you may read.`,
      );
    }
    await this.audit.append({ ...record, decision: 'allowed' });
    const runtime = this.runtimes.get(found.resource.moduleId);
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
}
