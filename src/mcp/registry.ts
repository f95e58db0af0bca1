import { z } from 'zod';
import type { Principal } from '../auth/principal.ts';
import type { Config } from '../config/schema.ts';
import type { ToolModule } from '../modules/types.ts';
import { withApprovalArg } from '../policy/approvals/approval-arg.ts';
import { hiddenBecause } from '../policy/exposure.ts';
import { isPermission } from '../policy/permissions.ts';
import { didYouMean } from '../util/similar.ts';
import type { PromptDefinition } from './prompt.ts';
import type { ResourceDefinition } from './resource.ts';
import {
  type AnyObjectSchema,
  annotationsOf,
  RISKS,
  type ToolAnnotations,
  type ToolDefinition,
} from './tool.ts';

const TOOL_NAME = /^[a-z][a-z0-9]*(_[a-z0-9]+)+$/;

export interface ListedTool {
  name: string;
  title: string;
  description: string;
  inputSchema: Record<string, unknown>;
  outputSchema: Record<string, unknown>;
  annotations: ToolAnnotations & { title: string };
}

export interface RegisteredTool {
  def: ToolDefinition;
  /** The input schema as calls are checked against it: unknown argument names are refused, not dropped. */
  input: AnyObjectSchema;
  moduleId: string;
  annotations: ToolAnnotations;
  listed: ListedTool;
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

function jsonSchemaOf(schema: z.ZodType, io: 'input' | 'output'): Record<string, unknown> {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Record<
    string,
    unknown
  >;
  return rest;
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
 * with JSON Schemas computed once. Listing for a caller is a filter over it.
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
        if (this.tools.has(def.name)) problems.push(`tool ${def.name}: defined twice`);
        const annotations = annotationsOf(def);
        // Strict here, for every tool at once: a typo such as "forse" must not become a different call.
        const input = def.input instanceof z.ZodObject ? def.input.strict() : def.input;
        this.tools.set(def.name, {
          def,
          input,
          moduleId: module.id,
          annotations,
          hidden: hiddenBecause({ ...def, annotations, moduleEnabled, moduleId: module.id }, config),
          listed: {
            name: def.name,
            title: def.title,
            description: def.description,
            inputSchema: withApprovalArg(jsonSchemaOf(input, 'input'), def, config),
            outputSchema: jsonSchemaOf(def.output, 'output'),
            annotations: { title: def.title, ...annotations },
          },
        });
      }
      if (!moduleEnabled) continue;
      for (const def of module.prompts ?? []) {
        if (this.prompts.has(def.name)) problems.push(`prompt ${def.name}: defined twice`);
        this.prompts.set(def.name, { def, moduleId: module.id });
      }
      for (const def of module.resources ?? []) {
        this.resources.push({ def: def as ResourceDefinition, moduleId: module.id });
      }
    }
    for (const name of config.tools.disabled) {
      if (!this.tools.has(name)) problems.push(`tools.disabled names an unknown tool "${name}"`);
    }
    if (problems.length > 0) throw new Error(`tool registry is invalid:\n  - ${problems.join('\n  - ')}`);
  }

  /** The tools a caller may see: exposed by configuration and allowed by their permissions. */
  listTools(principal: Principal): ListedTool[] {
    const key = [...principal.permissions].sort().join(',');
    let listed = this.listCache.get(key);
    if (!listed) {
      listed = [...this.tools.values()]
        .filter((t) => t.hidden === undefined && principal.permissions.has(t.def.permission))
        .map((t) => t.listed);
      this.listCache.set(key, listed);
    }
    return listed;
  }

  /** A "did you mean" hint for a mistyped tool name (empty when nothing is close). */
  suggest(name: string): string {
    return didYouMean(name, this.tools.keys());
  }
}
