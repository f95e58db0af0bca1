import type { z } from 'zod';
import type { Principal } from '../auth/principal.ts';
import type { Config } from '../config/schema.ts';
import type { Logger } from '../log.ts';
import type { Permission } from '../policy/permissions.ts';

export const RISKS = ['low', 'moderate', 'high', 'critical'] as const;
export type Risk = (typeof RISKS)[number];

export interface ProgressUpdate {
  progress: number;
  total?: number;
  message?: string;
}

export interface SampleRequest {
  /** What to ask the client's model. */
  prompt: string;
  systemPrompt?: string;
  maxTokens?: number;
}

export interface ClientInfo {
  name?: string;
  version?: string;
  canElicit: boolean;
  canElicitUrl: boolean;
  canSample: boolean;
  /** The client sent a progress token with this call, so it can be kept waiting with progress notifications. */
  canProgress: boolean;
}

/** What a tools/call answers (the MCP CallToolResult the gateway produces). */
export interface ToolResult {
  [key: string]: unknown;
  content: ({ type: 'text'; text: string } | ResourceLink)[];
  structuredContent?: Record<string, unknown>;
  isError?: boolean;
}

/** What a handler is given besides its arguments. No SDK or HTTP types leak in here. */
export interface ToolContext {
  readonly principal: Principal;
  readonly log: Logger;
  /** Aborted when the client cancels, the call times out, or the gateway shuts down. */
  readonly signal: AbortSignal;
  /** The gateway's id for this call (also in its audit records). */
  readonly callId: string;
  readonly sessionId: string | undefined;
  readonly client: ClientInfo;
  /** Report progress; a no-op when the client did not ask for progress. */
  progress(update: ProgressUpdate): Promise<void>;
  /** Ask the client's model; resolves undefined when the client does not offer sampling. */
  sample(request: SampleRequest): Promise<string | undefined>;
}

/** An argument that exists only under some configuration (listed and accepted only then). */
export interface ConditionalArg {
  available: (config: Config) => boolean;
  /** When it is offered, in a few words (for docs/tools.md). */
  when: string;
  /** Why it is refused otherwise, and how to make it available. */
  unavailable: string;
  /** With it the call may reach other machines (openWorldHint), so only where it is offered. */
  reachesOut?: boolean;
}

export interface ToolAnnotations {
  readOnlyHint: boolean;
  destructiveHint: boolean;
  idempotentHint: boolean;
  openWorldHint: boolean;
}

/** A pointer to a resource the client can open (MCP `resource_link` content). */
export interface ResourceLink {
  type: 'resource_link';
  uri: string;
  name: string;
  title?: string;
  description?: string;
  mimeType?: string;
}

// biome-ignore lint/suspicious/noExplicitAny: the registry holds tools of every input and output shape
export type AnyObjectSchema = z.ZodObject<any>;

/**
 * A tool is data. `X` is the module's own context (its clients), merged into the
 * ToolContext the handler receives.
 */
export interface ToolDefinition<
  I extends AnyObjectSchema = AnyObjectSchema,
  O extends AnyObjectSchema = AnyObjectSchema,
  X = unknown,
> {
  /** `<module>_<resource>_<verb>`, snake_case. */
  name: string;
  title: string;
  description: string;
  permission: Permission;
  risk: Risk;
  input: I;
  output: O;
  /** Does not change anything (default: risk is low). */
  readOnly?: boolean;
  /** May destroy or disrupt (default: not read-only and risk high or critical). */
  destructive?: boolean;
  /** Repeating it has no further effect (default: read-only). */
  idempotent?: boolean;
  /** Reaches beyond this host and its engines (the internet, other hosts). Default false. */
  openWorld?: boolean;
  /**
   * Input keys that only some configurations offer (e.g. a fleet `host` only with SSH
   * hosts that run Docker). Otherwise they are not listed, and a call that sends one is
   * refused with `unavailable` rather than quietly run without it.
   */
  conditionalArgs?: Readonly<Record<string, ConditionalArg>>;
  /**
   * Argument keys whose values are secrets whole (beside the names the secret detector knows): masked in
   * the audit log, approvals, confirmations and every text made from the arguments. An object's keys stay shown.
   */
  sensitive?: readonly string[];
  /**
   * The module's own checks of the arguments, beyond the schema (names that could be read as options, hosts
   * and commands that must exist in the configuration, …). The call wrapper runs it right after the schema,
   * before the risk rule: a call it refuses never reaches a confirmation or an approval. Throw a GatewayError.
   * It must be cheap and change nothing; the handler may rely on it having passed.
   */
  validate?: (input: z.output<I>, ctx: ToolContext & X) => Promise<void> | void;
  /**
   * The `ui://` app resource (src/mcp/apps) a client may render beside this tool's result.
   * The result never depends on it being rendered.
   */
  ui?: string;
  /** One sentence, in plain words, of what this call will do — shown in confirmations and approvals. */
  summarize?: (input: z.output<I>) => string;
  /** Resources the result points to, sent as `resource_link` content beside the text (e.g. a report). */
  links?: (output: z.output<O>) => ResourceLink[];
  handler: (input: z.output<I>, ctx: ToolContext & X) => Promise<z.input<O>> | z.input<O>;
}

export function defineTool<I extends AnyObjectSchema, O extends AnyObjectSchema>(
  definition: ToolDefinition<I, O, unknown>,
): ToolDefinition<I, O, unknown> {
  return definition;
}

/** `const tool = toolsWith<{ docker: DockerClient }>()` gives handlers a typed `ctx.docker`. */
export function toolsWith<X>() {
  return <I extends AnyObjectSchema, O extends AnyObjectSchema>(definition: ToolDefinition<I, O, X>) =>
    definition;
}

export function annotationsOf(tool: ToolDefinition): ToolAnnotations {
  const readOnly = tool.readOnly ?? tool.risk === 'low';
  return {
    readOnlyHint: readOnly,
    destructiveHint: !readOnly && (tool.destructive ?? (tool.risk === 'high' || tool.risk === 'critical')),
    idempotentHint: tool.idempotent ?? readOnly,
    openWorldHint: tool.openWorld ?? false,
  };
}
