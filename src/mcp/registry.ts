import { z } from 'zod';
import type { Principal } from '../auth/principal.ts';
import type { Config } from '../config/schema.ts';
import type { ToolModule } from '../modules/types.ts';
import { withApprovalArg } from '../policy/approvals/approval-arg.ts';
import { hiddenBecause, usableBy } from '../policy/exposure.ts';
import { isPermission, type Permission } from '../policy/permissions.ts';
import { didYouMean } from '../util/similar.ts';
import { APPS_MODULE, gatewayApps, uiMeta } from './apps/index.ts';
import { listedSchema, nullPruner } from './listed-schema.ts';
import type { PromptDefinition } from './prompt.ts';
import type { ResourceDefinition } from './resource.ts';
import {
  type AnyObjectSchema,
  annotationsOf,
  RISKS,
  type ToolAnnotations,
  type ToolDefinition,
} from './tool.ts';
import { areaProblem, toolsetNames, toolsetsOf } from './toolsets.ts';

const TOOL_NAME = /^[a-z][a-z0-9]*(_[a-z0-9]+)+$/;

export interface ListedTool {
  name: string;
  title: string;
  description: string;
  inputSchema: Record<string, unknown>;
  /** Only with tools.output_schemas (results carry structuredContent either way). */
  outputSchema?: Record<string, unknown>;
  annotations: Partial<ToolAnnotations>;
  /** MCP Apps: the view a client may render beside the result. */
  _meta?: Record<string, unknown>;
}

export interface RegisteredTool {
  /** The definition as this configuration exposes it (see `exposedDefinition`). */
  def: ToolDefinition;
  /** The input schema as calls are checked against it: unknown argument names are refused, not dropped. */
  input: AnyObjectSchema;
  moduleId: string;
  annotations: ToolAnnotations;
  listed: ListedTool;
  /** The module, and its area (`docker.containers`): what tools.toolsets names. */
  toolsets: readonly string[];
  /** Why configuration hides it; undefined when exposed. */
  hidden: string | undefined;
}

export interface RegisteredPrompt {
  def: PromptDefinition;
  moduleId: string;
}

export interface RegisteredResource {
  def: ResourceDefinition;
  moduleId: string;
}

/**
 * The definition as this configuration exposes it, and the input schema it is
 * listed with: an argument the configuration does not offer is left out of the
 * listing and refused (with the reason) by the one input parse in the call
 * wrapper; null output fields become absent ones, as the listed output schema says.
 */
function exposedDefinition(
  def: ToolDefinition,
  config: Config,
): { def: ToolDefinition; listedInput: z.ZodType } {
  const off = Object.entries(def.conditionalArgs ?? {}).filter(([, arg]) => !arg.available(config));
  const listedInput =
    off.length > 0 ? def.input.omit(Object.fromEntries(off.map(([k]) => [k, true]))) : def.input;
  const input =
    off.length > 0
      ? listedInput.extend(
          Object.fromEntries(off.map(([k, arg]) => [k, z.never({ error: arg.unavailable }).optional()])),
        )
      : def.input;
  // The pruner reads the output's JSON Schema: made on the tool's first result, not for every tool at start-up.
  let prune: ((value: unknown) => unknown) | null | undefined;
  const output = def.output.transform((value) => {
    if (prune === undefined) prune = nullPruner(def.output) ?? null;
    return prune ? prune(value) : value;
  }) as unknown as typeof def.output;
  // An offered argument that reaches other machines (a fleet host) makes the tool open-world.
  const reachesOut = Object.values(def.conditionalArgs ?? {}).some(
    (a) => a.reachesOut && a.available(config),
  );
  const openWorld = def.openWorld || reachesOut || undefined;
  return { def: { ...def, input, output, ...(openWorld ? { openWorld } : {}) }, listedInput };
}

/**
 * The hints as listed: only those that mean something for the tool, with the
 * spec's defaults (readOnly false, destructive true, idempotent false, openWorld
 * true) left out where a client reading them naively gets the same answer.
 * destructive and idempotent mean nothing for a read-only tool; openWorld and a
 * false destructive are always written, since a missing one reads as false.
 */
export function listedAnnotations(a: ToolAnnotations): Partial<ToolAnnotations> {
  if (a.readOnlyHint) return { readOnlyHint: true, openWorldHint: a.openWorldHint };
  return {
    destructiveHint: a.destructiveHint,
    ...(a.idempotentHint ? { idempotentHint: true } : {}),
    openWorldHint: a.openWorldHint,
  };
}

/** Problems with one tool definition (empty when it is well formed). */
export function toolDefinitionProblems(def: ToolDefinition): string[] {
  const problems: string[] = [];
  if (!TOOL_NAME.test(def.name) || def.name.length > 64)
    problems.push('name must be snake_case <module>_<...>');
  if (!def.title?.trim()) problems.push('title is empty');
  if (!def.description?.trim()) problems.push('description is empty');
  if (!isPermission(def.permission)) problems.push(`unknown permission "${def.permission}"`);
  if (!RISKS.includes(def.risk)) problems.push(`unknown risk "${def.risk}"`);
  if (!(def.input instanceof z.ZodObject)) problems.push('input must be a zod object');
  if (!(def.output instanceof z.ZodObject)) problems.push('output must be a zod object');
  return problems.map((p) => `tool ${def.name}: ${p}`);
}

/**
 * Every tool, prompt and resource of every module, checked once at start-up,
 * with JSON Schemas computed once (on first use). Listing for a caller is a filter over it.
 */
export class Registry {
  readonly tools = new Map<string, RegisteredTool>();
  readonly prompts = new Map<string, RegisteredPrompt>();
  readonly resources: RegisteredResource[] = [];
  private readonly listCache = new Map<string, ListedTool[]>();

  constructor(modules: readonly ToolModule[], config: Config) {
    const problems: string[] = [];
    for (const module of modules) {
      const moduleEnabled = module.enabled(config);
      for (const def of module.tools as ToolDefinition[]) {
        problems.push(...toolDefinitionProblems(def));
        const areaIssue = areaProblem(module, def.name);
        if (areaIssue) problems.push(areaIssue);
        const toolsets = toolsetsOf(module, def.name);
        if (this.tools.has(def.name)) problems.push(`tool ${def.name}: defined twice`);
        const exposed = exposedDefinition(def, config);
        const annotations = annotationsOf(exposed.def);
        // The JSON Schemas are made on first listing, once: making all of them was a third of the start-up.
        let listed: ListedTool | undefined;
        // Strict: a typo such as "forse" must not become a different call. Made on the tool's first call, once.
        let input: AnyObjectSchema | undefined;
        this.tools.set(def.name, {
          def: exposed.def,
          get input() {
            input ??=
              exposed.def.input instanceof z.ZodObject ? exposed.def.input.strict() : exposed.def.input;
            return input;
          },
          moduleId: module.id,
          annotations,
          toolsets,
          hidden: hiddenBecause(
            { ...def, annotations, moduleEnabled, moduleId: module.id, toolsets },
            config,
          ),
          get listed() {
            listed ??= {
              name: def.name,
              title: def.title,
              description: def.description,
              inputSchema: withApprovalArg(listedSchema(exposed.listedInput, 'input'), def, config),
              ...(config.tools.output_schemas ? { outputSchema: listedSchema(def.output, 'output') } : {}),
              annotations: listedAnnotations(annotations),
              ...(def.ui ? { _meta: uiMeta(def.ui) } : {}),
            };
            return listed;
          },
        });
      }
      // Registered whatever the module's state: a disabled module hides its tools, and with
      // them every prompt and resource linked to them (one filter, in usableBy).
      for (const def of module.prompts ?? []) {
        if (this.prompts.has(def.name)) problems.push(`prompt ${def.name}: defined twice`);
        this.prompts.set(def.name, { def, moduleId: module.id });
      }
      for (const def of module.resources ?? []) {
        this.resources.push({ def: def as ResourceDefinition, moduleId: module.id });
      }
    }
    // An app view is offered only beside a tool that names it (and follows that tool's exposure).
    const named = new Set([...this.tools.values()].map(({ def }) => def.ui));
    for (const def of gatewayApps.filter((app) => named.has(app.uri)))
      this.resources.push({ def, moduleId: APPS_MODULE });
    for (const { def } of this.tools.values()) {
      if (def.ui && !gatewayApps.some((app) => app.uri === def.ui))
        problems.push(`tool ${def.name}: ui names no registered app resource "${def.ui}"`);
    }
    for (const { def } of this.prompts.values()) {
      if (def.requires.length === 0) problems.push(`prompt ${def.name}: requires names no tool`);
      for (const tool of def.requires.filter((t) => !this.tools.has(t)))
        problems.push(`prompt ${def.name}: requires unknown tool "${tool}"`);
    }
    for (const { def } of this.resources) {
      if (def.tools.length === 0) problems.push(`resource ${def.name}: links no tool`);
      for (const tool of def.tools.filter((t) => !this.tools.has(t)))
        problems.push(`resource ${def.name}: links unknown tool "${tool}"`);
    }
    for (const name of config.tools.disabled) {
      if (!this.tools.has(name)) problems.push(`tools.disabled names an unknown tool "${name}"`);
    }
    const toolsets = toolsetNames(modules);
    for (const name of config.tools.toolsets) {
      if (!toolsets.includes(name))
        problems.push(
          `tools.toolsets names an unknown toolset "${name}".${didYouMean(name, toolsets)} Toolsets: ${toolsets.join(', ')}`,
        );
    }
    if (problems.length > 0) throw new Error(`tool registry is invalid:\n  - ${problems.join('\n  - ')}`);
  }

  /** The tools a caller may see: exposed by configuration and allowed by their permissions. */
  listTools(principal: Principal): ListedTool[] {
    const key = [...principal.permissions].sort().join(',');
    let listed = this.listCache.get(key);
    if (!listed) {
      listed = [...this.tools.values()]
        .filter((t) => usableBy(t, principal.permissions))
        .map((t) => t.listed);
      this.listCache.set(key, listed);
    }
    return listed;
  }

  /** Whether a caller with these permissions can use every named tool (an unknown name: no). */
  canUseAll(permissions: ReadonlySet<Permission>, names: readonly string[]): boolean {
    return names.every((name) => usableBy(this.tools.get(name), permissions));
  }

  /** A "did you mean" hint for a mistyped tool name (empty when nothing is close). */
  suggest(name: string): string {
    return didYouMean(name, this.tools.keys());
  }
}
