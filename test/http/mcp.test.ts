import { CallToolResultSchema, ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allModules } from '../../src/modules/index.ts';
import { startTestGateway, type TestGateway } from '../support/gateway.ts';
import { testModule } from '../support/test-module.ts';

type ToolResult = {
  isError?: boolean;
  content: { type: string; text: string }[];
  structuredContent?: Record<string, unknown>;
};

describe('MCP over Streamable HTTP with local tokens', () => {
  let gw: TestGateway;
  let viewer: string;
  let admin: string;
  let dockerOnly: string;

  beforeAll(async () => {
    gw = await startTestGateway({ modules: [...allModules, testModule] });
    viewer = await gw.token({ role: 'viewer', name: 'viewer-token' });
    admin = await gw.token({ role: 'admin', name: 'admin-token' });
    dockerOnly = await gw.token({ permissions: ['docker:read'], name: 'docker-only' });
  });
  afterAll(() => gw.close());

  it('initializes and names itself', async () => {
    const client = await gw.client(viewer);
    expect(client.getServerVersion()?.name).toBe('tailwarden');
    expect(client.getServerCapabilities()?.tools).toBeDefined();
  });

  it('lists only the tools a caller may call', async () => {
    const names = async (token: string) =>
      (await (await gw.client(token)).listTools()).tools.map((t) => t.name).sort();
    const viewerTools = await names(viewer);
    const adminTools = await names(admin);
    expect(viewerTools).toContain('system_status');
    expect(viewerTools).not.toContain('test_thing_restart');
    expect(adminTools).toContain('test_thing_restart');
    expect(adminTools).toContain('test_thing_wipe');
    expect(await names(dockerOnly)).not.toContain('system_status');
  });

  it('derives annotations from risk, listing only the hints that mean something', async () => {
    const { tools } = await (await gw.client(admin)).listTools();
    const status = tools.find((t) => t.name === 'system_status')!;
    const wipe = tools.find((t) => t.name === 'test_thing_wipe')!;
    // Read-only: destructive and idempotent mean nothing (spec); openWorld is always written.
    expect(status.annotations).toEqual({ readOnlyHint: true, openWorldHint: false });
    // Not read-only: readOnlyHint false and idempotentHint false are the spec's defaults.
    expect(wipe.annotations).toEqual({ destructiveHint: true, openWorldHint: false });
    // Output schemas are listed only with tools.output_schemas; results are structured either way.
    expect(status.outputSchema).toBeUndefined();
  });

  it('runs an allowed call and returns structured content', async () => {
    const client = await gw.client(viewer);
    const result = (await client.callTool({ name: 'system_status', arguments: {} })) as ToolResult;
    expect(result.isError).toBeFalsy();
    const status = result.structuredContent!;
    expect(typeof status.hostname).toBe('string');
    expect((status.cpu as { cores: number }).cores).toBeGreaterThan(0);
    expect(Array.isArray(status.disks)).toBe(true);
    expect(JSON.parse(result.content[0]!.text)).toEqual(status);
  });

  it('refuses a call the caller lacks permission for, saying what is missing and how to get it', async () => {
    const client = await gw.client(dockerOnly);
    const result = (await client.callTool({ name: 'system_status', arguments: {} })) as ToolResult;
    expect(result.isError).toBe(true);
    const text = result.content[0]!.text;
    expect(text).toContain('ERR_PERMISSION_DENIED');
    expect(text).toContain('system:read');
    expect(text).toMatch(/Roles that grant it: viewer/);
    expect(text).toContain('tailwarden token create');
  });

  it('answers an unknown tool with a clear error and a suggestion', async () => {
    const client = await gw.client(viewer);
    const result = (await client.callTool({ name: 'system_stauts', arguments: {} })) as ToolResult;
    expect(result.isError).toBe(true);
    expect(result.content[0]!.text).toContain('ERR_UNKNOWN_TOOL');
    expect(result.content[0]!.text).toContain('Did you mean "system_status"');
  });

  it('rejects invalid arguments with the field and the problem', async () => {
    const client = await gw.client(viewer);
    const result = (await client.callTool({
      name: 'system_processes_top',
      arguments: { limit: 'ten' },
    })) as ToolResult;
    expect(result.isError).toBe(true);
    expect(result.content[0]!.text).toMatch(/ERR_INPUT_REJECTED.*limit/);
  });

  it('answers tools/call params of the wrong shape with -32602 invalid params', async () => {
    const client = await gw.client(viewer);
    for (const params of [{ name: 'system_status', arguments: [1, 2] }, { arguments: {} }, { name: 7 }]) {
      const error = await client
        .request({ method: 'tools/call', params } as never, CallToolResultSchema)
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect(error).toBeInstanceOf(McpError);
      expect((error as McpError).code).toBe(ErrorCode.InvalidParams);
      expect((error as McpError).message).toContain('Invalid tools/call request');
    }
    const after = (await client.callTool({ name: 'system_status', arguments: {} })) as ToolResult;
    expect(after.isError).toBeFalsy();
  });

  it('turns handler failures into safe isError results', async () => {
    const client = await gw.client(admin);
    const gatewayError = (await client.callTool({
      name: 'test_fail',
      arguments: { kind: 'gateway' },
    })) as ToolResult;
    expect(gatewayError.content[0]!.text).toBe('[ERR_UPSTREAM_UNAVAILABLE] The engine is down; start it.');
    const unexpected = (await client.callTool({
      name: 'test_fail',
      arguments: { kind: 'unexpected' },
    })) as ToolResult;
    expect(unexpected.isError).toBe(true);
    expect(unexpected.content[0]!.text).toContain('ERR_INTERNAL');
    expect(unexpected.content[0]!.text).not.toContain('/etc/shadow');
    const badOutput = (await client.callTool({
      name: 'test_fail',
      arguments: { kind: 'bad_output' },
    })) as ToolResult;
    expect(badOutput.content[0]!.text).toContain('does not match its output schema');
  });

  it('formats list results as TOON when asked', async () => {
    const client = await gw.client(viewer);
    const json = (await client.callTool({
      name: 'system_processes_top',
      arguments: { limit: 5 },
    })) as ToolResult;
    const toon = (await client.callTool({
      name: 'system_processes_top',
      arguments: { limit: 5, format: 'toon' },
    })) as ToolResult;
    expect(toon.content[0]!.text).toMatch(/processes\[\d+\]\{pid,name/);
    expect(toon.content[0]!.text.length).toBeLessThan(json.content[0]!.text.length);
  });

  it('sends progress notifications when the client asks for them', async () => {
    const client = await gw.client(viewer);
    const updates: number[] = [];
    await client.callTool({ name: 'test_slow', arguments: { ms: 40 } }, undefined, {
      onprogress: (p) => updates.push(p.progress),
    });
    expect(updates).toEqual([1, 2, 3, 4]);
  });

  it('serves the health_check prompt and the status resource', async () => {
    const client = await gw.client(viewer);
    const { prompts } = await client.listPrompts();
    expect(prompts.map((p) => p.name)).toContain('health_check');
    const prompt = await client.getPrompt({ name: 'health_check', arguments: { focus: 'disk' } });
    const text = (prompt.messages[0]!.content as { text: string }).text;
    expect(text).toContain('system_status');
    expect(text).toContain('disk');
    const { resources } = await client.listResources();
    expect(resources.map((r) => r.uri)).toContain('tailwarden://system/status');
    const read = await client.readResource({ uri: 'tailwarden://system/status' });
    expect(JSON.parse((read.contents[0] as { text: string }).text).hostname).toBeTypeOf('string');
    await expect(client.readResource({ uri: 'tailwarden://nope' })).rejects.toThrow(/Unknown resource/);
    // A missing argument is named in words, not dumped as the validator's JSON.
    const missing = client.getPrompt({ name: 'troubleshoot_service', arguments: {} });
    await expect(missing).rejects.toThrow(/Invalid arguments for prompt troubleshoot_service: unit: /);
    await expect(missing).rejects.not.toThrow(/\[\s*\{/);
  });

  it('hides prompts and resources from callers without the permission', async () => {
    const client = await gw.client(dockerOnly);
    expect((await client.listPrompts()).prompts).toEqual([]);
    // Only the view of a tool this caller can use (the container table beside docker_container_list).
    const { resources } = await client.listResources();
    expect(resources.map((r) => r.uri)).toEqual(['ui://tailwarden/containers']);
    await expect(client.readResource({ uri: 'tailwarden://system/status' })).rejects.toThrow(
      /Unknown resource/,
    );
  });
});
