import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import type { AuditLog } from '../../src/audit/log.ts';
import type { Principal } from '../../src/auth/principal.ts';
import { permissionsFor } from '../../src/auth/roles.ts';
import { configFrom } from '../../src/config/load.ts';
import { createLogger } from '../../src/log.ts';
import { Catalog } from '../../src/mcp/catalog.ts';
import type { PromptArgs, PromptDefinition, PromptPart } from '../../src/mcp/prompt.ts';
import { Registry } from '../../src/mcp/registry.ts';
import { allModules } from '../../src/modules/index.ts';
import { startTestGateway, type TestGateway } from '../support/gateway.ts';
import { ROLES } from './support/roles.ts';

/**
 * Every prompt and resource × every role × every exposure switch. A prompt or
 * resource follows the tools it is linked to: it is listed, read or rendered exactly
 * when the caller's own tools/list holds those tools, and a rendered prompt names
 * only tools in that caller's tools/list. The switches are derived from the
 * registry (every module that has prompts or resources, every tool a prompt or
 * resource names), so a new prompt or resource is covered as soon as it exists.
 */

const prompts = allModules.flatMap((m) => (m.prompts ?? []) as PromptDefinition[]);
const resources = allModules.flatMap((m) => m.resources ?? []);
const toolNames = allModules.flatMap((m) => m.tools.map((t) => t.name));
const TOOL_NAME = new RegExp(`\\b(${[...toolNames].sort((a, b) => b.length - a.length).join('|')})\\b`, 'g');

/** The tool names a text mentions. */
function mentioned(text: string): string[] {
  return [...new Set([...text.matchAll(TOOL_NAME)].map((m) => m[1]!))];
}

/** Arguments for every parameter, optional ones included (so conditional steps render too). */
function sampleArgs(args: PromptArgs): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, schema] of Object.entries(args.shape) as [string, z.ZodType][]) {
    // Text, a small number, a guest id, an alert id: one of them fits every prompt argument so far.
    const candidates = ['sample', '7', '105', '00000000-0000-4000-8000-000000000000'];
    const value = candidates.find((candidate) => schema.safeParse(candidate).success);
    if (value !== undefined) out[key] = value;
  }
  return out;
}

function partsOf(prompt: PromptDefinition): PromptPart[] {
  return [...prompt.render(prompt.args.parse(sampleArgs(prompt.args)))];
}

/** Every tool a prompt or resource is linked to: the switches that must hide them. */
const linkedTools = [
  ...new Set([
    ...prompts.flatMap((p) => [
      ...p.requires,
      ...partsOf(p).flatMap((part) => (part && typeof part !== 'string' ? part.tools : [])),
    ]),
    ...resources.flatMap((r) => r.tools),
  ]),
].sort();

const EVERY_MODULE_ON = {
  system: { enabled: true },
  docker: { enabled: true },
  tailscale: { enabled: true, socket: '/nonexistent/tw-test-catalog/tailscaled.sock' },
  ssh: { enabled: true },
};

function configWith(change: { tools?: Record<string, unknown>; moduleOff?: string }) {
  const modules: Record<string, unknown> = { ...EVERY_MODULE_ON };
  // Watch is switched at the top level (watch.enabled), the others under modules.*.
  const watchOff = change.moduleOff === 'watch';
  if (change.moduleOff && !watchOff) modules[change.moduleOff] = { enabled: false };
  return {
    roles: ROLES,
    modules,
    tools: change.tools ?? {},
    ...(watchOff ? { watch: { enabled: false } } : {}),
  };
}

interface Switch {
  name: string;
  config: ReturnType<typeof configWith>;
}

const globalSwitches: Switch[] = [
  { name: 'default', config: configWith({}) },
  { name: 'tools.read_only', config: configWith({ tools: { read_only: true } }) },
  { name: 'tools.disable_destructive', config: configWith({ tools: { disable_destructive: true } }) },
  ...allModules
    .filter((m) => (m.prompts ?? []).length > 0 || (m.resources ?? []).length > 0)
    .map((m) => ({
      name: m.id === 'watch' ? 'watch.enabled: false' : `modules.${m.id}.enabled: false`,
      config: configWith({ moduleOff: m.id }),
    })),
  {
    name: 'tools.enabled: every other linked tool',
    config: configWith({ tools: { enabled: linkedTools.filter((_t, i) => i % 2 === 0) } }),
  },
];
const perToolSwitches: Switch[] = linkedTools.map((tool) => ({
  name: `tools.disabled: [${tool}]`,
  config: configWith({ tools: { disabled: [tool] } }),
}));
/** Resources are read through a real gateway, so these switches get one each. */
const resourceToolSwitches = perToolSwitches.filter((s) =>
  resources.some((r) => r.tools.some((t) => s.name === `tools.disabled: [${t}]`)),
);

interface Seen {
  tools: Set<string>;
  prompts: Set<string>;
  resources: Set<string>;
  render(name: string, args: Record<string, string>): Promise<string | Error>;
  read?(uri: string): Promise<string | Error>;
}

/** The mismatches between what a caller was shown and the tools its own tools/list holds. */
async function mismatchesOf(where: string, seen: Seen): Promise<string[]> {
  const out: string[] = [];
  const usable = (tools: readonly string[]) => tools.every((t) => seen.tools.has(t));
  for (const prompt of prompts) {
    const shouldList = usable(prompt.requires);
    if (seen.prompts.has(prompt.name) !== shouldList)
      out.push(`${where}: prompts/list ${shouldList ? 'hides' : 'shows'} ${prompt.name}`);
    const rendered = await seen.render(prompt.name, sampleArgs(prompt.args));
    if (!shouldList) {
      if (!(rendered instanceof Error) || !/Unknown prompt/.test(rendered.message))
        out.push(`${where}: prompts/get ${prompt.name} answered although it is not listed`);
      continue;
    }
    if (rendered instanceof Error) {
      out.push(`${where}: prompts/get ${prompt.name} failed: ${rendered.message}`);
      continue;
    }
    for (const tool of mentioned(rendered).filter((t) => !seen.tools.has(t)))
      out.push(`${where}: prompt ${prompt.name} names ${tool}, which the caller cannot see`);
  }
  for (const resource of resources) {
    const shouldList = usable(resource.tools);
    const uri = resource.uri ?? resource.uriTemplate!;
    if (seen.resources.has(uri) !== shouldList)
      out.push(`${where}: resources/list ${shouldList ? 'hides' : 'shows'} ${uri}`);
    if (!seen.read || !resource.uri) continue;
    const read = await seen.read(resource.uri);
    if (shouldList && read instanceof Error)
      out.push(`${where}: resources/read ${uri} failed: ${read.message}`);
    if (!shouldList && !(read instanceof Error && /Unknown resource/.test(read.message)))
      out.push(`${where}: resources/read ${uri} answered although the caller cannot use ${resource.tools}`);
  }
  return out;
}

async function seenByClient(client: Client): Promise<Seen> {
  const caught = (error: unknown) => (error instanceof Error ? error : new Error(String(error)));
  return {
    tools: new Set((await client.listTools()).tools.map((t) => t.name)),
    prompts: new Set((await client.listPrompts()).prompts.map((p) => p.name)),
    resources: new Set([
      ...(await client.listResources()).resources.map((r) => r.uri),
      ...(await client.listResourceTemplates()).resourceTemplates.map((r) => r.uriTemplate),
    ]),
    render: (name, args) =>
      client
        .getPrompt({ name, arguments: args })
        .then((p) => p.messages.map((m) => (m.content as { text?: string }).text ?? '').join('\n'))
        .catch(caught),
    read: (uri) =>
      client
        .readResource({ uri })
        .then((r) => r.contents.map((c) => (c as { text?: string }).text ?? '').join('\n'))
        .catch(caught),
  };
}

describe('prompts and resources follow the tools they name', () => {
  it('declares, for every line of every prompt, exactly the tools it names', () => {
    const problems: string[] = [];
    for (const prompt of prompts) {
      for (const tool of prompt.requires.filter((t) => !toolNames.includes(t)))
        problems.push(`${prompt.name} requires unknown ${tool}`);
      for (const part of partsOf(prompt)) {
        if (!part) continue;
        if (typeof part === 'string') {
          for (const tool of mentioned(part)) problems.push(`${prompt.name}: a plain line names ${tool}`);
          continue;
        }
        for (const tool of part.tools.filter((t) => !toolNames.includes(t)))
          problems.push(`${prompt.name}: a step declares unknown ${tool}`);
        for (const tool of mentioned(part.text).filter((t) => !part.tools.includes(t)))
          problems.push(`${prompt.name}: a step names ${tool} without declaring it`);
      }
    }
    for (const resource of resources)
      for (const tool of resource.tools.filter((t) => !toolNames.includes(t)))
        problems.push(`resource ${resource.name} links unknown ${tool}`);
    expect(problems).toEqual([]);
    expect(linkedTools.length).toBeGreaterThan(10);
  });

  describe.each([...globalSwitches, ...resourceToolSwitches].map((s) => [s.name, s] as const))(
    'through a real gateway, %s',
    (_name, sw) => {
      let gw: TestGateway | undefined;
      afterAll(() => gw?.close());

      it('every role is shown exactly the prompts and resources of the tools it can see', async () => {
        gw = await startTestGateway({
          modules: allModules,
          config: { ...sw.config, rate_limit: { per_principal: 1_000_000 } },
        });
        const problems: string[] = [];
        for (const role of Object.keys(ROLES)) {
          const client = await gw.client(await gw.token({ role, name: `catalog-${role}` }));
          problems.push(...(await mismatchesOf(`${sw.name} / ${role}`, await seenByClient(client))));
        }
        expect(problems).toEqual([]);
        // A refused read is audited like any refused call (the auditor role may read none).
        const records = await gw.auditRecords();
        expect(records.some((r) => r.event === 'resource.read' && r.decision === 'denied')).toBe(true);
      });
    },
  );

  it('in the catalog itself, with each linked tool disabled in turn', async () => {
    const problems: string[] = [];
    const log = createLogger({ level: 'silent' });
    for (const sw of perToolSwitches) {
      const config = configFrom(sw.config);
      const registry = new Registry(allModules, config);
      // Listing and rendering never touch a module or the audit log; reads are covered above.
      const catalog = new Catalog(registry, new Map(), undefined as unknown as AuditLog, log);
      for (const role of Object.keys(ROLES)) {
        const principal: Principal = {
          id: `token:${role}`,
          kind: 'token',
          name: role,
          roles: [role],
          permissions: permissionsFor(config, [role]),
        };
        const seen: Seen = {
          tools: new Set(registry.listTools(principal).map((t) => t.name)),
          prompts: new Set(catalog.listPrompts(principal).map((p) => p.name)),
          resources: new Set([
            ...catalog.listResources(principal).map((r) => r.uri),
            ...catalog.listTemplates(principal).map((r) => r.uriTemplate),
          ]),
          render: async (name, args) => {
            try {
              return catalog.getPrompt(principal, name, args).messages[0]!.content.text;
            } catch (error) {
              return error as Error;
            }
          },
        };
        problems.push(...(await mismatchesOf(`${sw.name} / ${role}`, seen)));
      }
    }
    console.log(
      `catalog exposure: ${prompts.length} prompts, ${resources.length} resources × ${Object.keys(ROLES).length} roles × ${globalSwitches.length + resourceToolSwitches.length} switches through HTTP + ${perToolSwitches.length} in the catalog`,
    );
    expect(problems).toEqual([]);
  });
});
