import type { z } from 'zod';
import type { Permission } from '../policy/permissions.ts';

// biome-ignore lint/suspicious/noExplicitAny: prompts have arguments of any (string) shape
export type PromptArgs = z.ZodObject<any>;

/** A prompt guides the model through real tools by name. Arguments are strings (MCP prompts). */
export interface PromptDefinition<A extends PromptArgs = PromptArgs> {
  name: string;
  title: string;
  description: string;
  args: A;
  /** Shown only to callers who hold this (the permission of the tools it leads to). */
  permission: Permission;
  render: (args: z.output<A>) => string;
}

export function definePrompt<A extends PromptArgs>(definition: PromptDefinition<A>): PromptDefinition<A> {
  return definition;
}
