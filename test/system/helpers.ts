import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { expect } from 'vitest';

export type ToolResult = {
  isError?: boolean;
  content: { type: string; text: string }[];
  // biome-ignore lint/suspicious/noExplicitAny: test assertions walk arbitrary JSON
  structuredContent?: any;
};

/** Call a tool and return its structured result, failing the test with the error text if it failed. */
// biome-ignore lint/suspicious/noExplicitAny: test assertions walk arbitrary JSON
export async function ok(client: Client, name: string, args: Record<string, unknown> = {}): Promise<any> {
  const result = (await client.callTool({ name, arguments: args })) as ToolResult;
  if (result.isError) throw new Error(`${name} failed: ${result.content[0]?.text}`);
  return result.structuredContent;
}

/** Call a tool that must fail; returns the error text. */
export async function fails(
  client: Client,
  name: string,
  args: Record<string, unknown>,
  code: string,
): Promise<string> {
  const result = (await client.callTool({ name, arguments: args })) as ToolResult;
  expect(result.isError, `${name} should have failed`).toBe(true);
  const text = result.content[0]!.text;
  expect(text).toContain(code);
  return text;
}
