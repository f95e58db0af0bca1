import type { z } from 'zod';

// biome-ignore lint/suspicious/noExplicitAny: prompts have arguments of any (string) shape
export type PromptArgs = z.ZodObject<any>;

/** A line of a prompt that names tools: shown only to callers who can use every one of them. */
export interface PromptStep {
  readonly text: string;
  readonly tools: readonly string[];
  /** Numbered steps are numbered 1, 2, 3… among the steps the caller is shown. */
  readonly numbered: boolean;
}

/** A plain string names no tool (a test holds every prompt to that); false/undefined are skipped. */
export type PromptPart = string | PromptStep | false | undefined;

/** A numbered step that tells the model to use `tools` (write the text without its number). */
export function step(tools: string | readonly string[], text: string): PromptStep {
  return { text, tools: typeof tools === 'string' ? [tools] : tools, numbered: true };
}

/** An unnumbered line that names `tools` (a closing suggestion, an alternative). */
export function aside(tools: string | readonly string[], text: string): PromptStep {
  return { text, tools: typeof tools === 'string' ? [tools] : tools, numbered: false };
}

/**
 * A prompt guides the model through real tools by name. Arguments are strings (MCP
 * prompts). It follows the exposure of the tools it names: it is listed only to callers
 * who can use every tool in `requires`, and each step only to callers who can use the
 * tools that step names — so it never tells a model to call a tool it cannot see.
 */
export interface PromptDefinition<A extends PromptArgs = PromptArgs> {
  name: string;
  title: string;
  description: string;
  args: A;
  /** Without these tools the prompt makes no sense: it is hidden from callers who cannot use them. */
  requires: readonly string[];
  render: (args: z.output<A>) => readonly PromptPart[];
}

export function definePrompt<A extends PromptArgs>(definition: PromptDefinition<A>): PromptDefinition<A> {
  return definition;
}

/**
 * The text a caller sees: plain lines, and the steps whose tools `canUse` allows,
 * numbered in order. Undefined when no numbered step is left (nothing to walk through).
 */
export function renderFor(parts: readonly PromptPart[], canUse: (tools: readonly string[]) => boolean) {
  const lines: string[] = [];
  let number = 0;
  for (const part of parts) {
    if (!part) continue;
    if (typeof part === 'string') lines.push(part);
    else if (canUse(part.tools)) lines.push(part.numbered ? `${++number}. ${part.text}` : part.text);
  }
  return number > 0 ? lines.join('\n') : undefined;
}
