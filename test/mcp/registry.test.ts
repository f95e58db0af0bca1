import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { permissionsFor } from '../../src/auth/roles.ts';
import { configFrom } from '../../src/config/load.ts';
import { Registry, toolDefinitionProblems } from '../../src/mcp/registry.ts';
import { annotationsOf, type ToolDefinition } from '../../src/mcp/tool.ts';
import { allModules } from '../../src/modules/index.ts';
import { isPermission } from '../../src/policy/permissions.ts';

const tools = allModules.flatMap((m) => m.tools as ToolDefinition[]);

describe('tool registry invariants (every shipped tool)', () => {
  it('has tools', () => {
    expect(tools.length).toBeGreaterThan(0);
  });

  it.each(tools.map((t) => [t.name, t] as const))('%s is well formed', (_name, tool) => {
    expect(toolDefinitionProblems(tool)).toEqual([]);
    expect(isPermission(tool.permission)).toBe(true);
    expect(tool.name.startsWith(`${tool.name.split('_')[0]}_`)).toBe(true);
    expect(tool.description.length).toBeGreaterThan(20);
    const schema = z.toJSONSchema(tool.input, { io: 'input', unrepresentable: 'any' }) as {
      type: string;
      properties?: Record<string, { description?: string }>;
    };
    expect(schema.type).toBe('object');
    for (const [key, prop] of Object.entries(schema.properties ?? {})) {
      expect(prop.description, `${tool.name}.${key} needs a description`).toBeTruthy();
    }
    expect(Object.keys(schema.properties ?? {})).not.toContain('approval_id');
  });

  it('never lets a reader change state: a tool needing a read-level permission is read-only', () => {
    // The class of inventory_scan, which stored a scan for anyone with system:read.
    const writesForReaders = tools
      .filter((t) => /:(read|diag)$/.test(t.permission) && !annotationsOf(t).readOnlyHint)
      .map((t) => `${t.name} (${t.permission})`);
    expect(writesForReaders).toEqual([]);
  });

  it('has unique names', () => {
    const names = tools.map((t) => t.name);
    expect(new Set(names).size).toBe(names.length);
  });

  it('refuses a module whose tool is malformed, naming the tool and the problem', () => {
    const malformed = {
      ...tools[0]!,
      name: 'Bad-Name',
      permission: 'nope:read',
    } as unknown as ToolDefinition;
    const bad = { ...allModules[0]!, tools: [malformed] };
    expect(() => new Registry([bad], configFrom({}))).toThrow(/Bad-Name: name must be snake_case/);
    expect(() => new Registry([bad], configFrom({}))).toThrow(/unknown permission "nope:read"/);
  });

  it('refuses a config that disables an unknown tool', () => {
    expect(() => new Registry(allModules, configFrom({ tools: { disabled: ['system_nope'] } }))).toThrow(
      /tools.disabled names an unknown tool "system_nope"/,
    );
  });
});

/** Every module switched on, so the snapshots cover modules that are off by default. */
function everyModuleOn(extra: { tools?: object; ssh?: object } = {}) {
  const base = configFrom({});
  const modules: Record<string, unknown> = {};
  for (const id of Object.keys(base.modules))
    modules[id] = { enabled: true, ...(id === 'ssh' ? extra.ssh : {}) };
  return configFrom({ modules, tools: extra.tools ?? {} });
}

const principalFor = (config: ReturnType<typeof configFrom>, role: string) => ({
  id: `test:${role}`,
  kind: 'token' as const,
  name: role,
  roles: [role],
  permissions: permissionsFor(config, [role]),
});

/** Every node of a JSON Schema, with its path. */
function* nodes(schema: unknown, path = ''): Generator<[string, Record<string, unknown>]> {
  if (Array.isArray(schema)) {
    for (const [i, item] of schema.entries()) yield* nodes(item, `${path}/${i}`);
  } else if (schema !== null && typeof schema === 'object') {
    yield [path, schema as Record<string, unknown>];
    for (const [key, value] of Object.entries(schema)) {
      if (key !== 'default' && key !== 'enum' && key !== 'const') yield* nodes(value, `${path}/${key}`);
    }
  }
}

describe('tools/list per role, every module on (committed snapshots; update with `npx vitest -u` and review)', () => {
  const config = everyModuleOn();
  const registry = new Registry(allModules, config);

  it.each(Object.keys(config.roles))('role %s', async (role) => {
    const principal = {
      id: `test:${role}`,
      kind: 'token' as const,
      name: role,
      roles: [role],
      permissions: permissionsFor(config, [role]),
    };
    const listed = registry.listTools(principal);
    await expect(`${JSON.stringify(listed, null, 2)}\n`).toMatchFileSnapshot(
      `../__snapshots__/tools-list.${role}.snap.json`,
    );
  });

  it('admin with tools.output_schemas: the output schemas too', async () => {
    const withOutputs = everyModuleOn({ tools: { output_schemas: true } });
    const listed = new Registry(allModules, withOutputs).listTools(principalFor(withOutputs, 'admin'));
    expect(listed.every((t) => t.outputSchema?.type === 'object')).toBe(true);
    await expect(`${JSON.stringify(listed, null, 2)}\n`).toMatchFileSnapshot(
      '../__snapshots__/tools-list.admin.output-schemas.snap.json',
    );
  });

  it('lists compact schemas: no $schema, safe-integer bounds, string-key noise or nullable output types', () => {
    const withOutputs = everyModuleOn({ tools: { output_schemas: true } });
    const listed = new Registry(allModules, withOutputs).listTools(principalFor(withOutputs, 'admin'));
    const noise: string[] = [];
    for (const tool of listed) {
      for (const [io, schema] of [
        ['in', tool.inputSchema],
        ['out', tool.outputSchema],
      ] as const) {
        for (const [path, node] of nodes(schema)) {
          const where = `${tool.name} ${io}${path}`;
          if ('$schema' in node) noise.push(`${where}: $schema`);
          if (node.maximum === Number.MAX_SAFE_INTEGER || node.minimum === Number.MIN_SAFE_INTEGER)
            noise.push(`${where}: safe-integer bound`);
          if (JSON.stringify(node.propertyNames) === '{"type":"string"}')
            noise.push(`${where}: propertyNames`);
          if (io === 'out' && Array.isArray(node.type))
            noise.push(`${where}: type ${JSON.stringify(node.type)}`);
          if (io === 'out' && Array.isArray(node.anyOf) && node.anyOf.some((b) => b?.type === 'null'))
            noise.push(`${where}: anyOf with null`);
          if (io === 'out' && typeof node.description === 'string' && /\bnull\b/.test(node.description))
            noise.push(`${where}: description speaks of null, which results never carry`);
        }
      }
    }
    expect(noise).toEqual([]);
  });

  it('lists the fleet host argument of Docker tools only when a fleet host runs Docker', () => {
    const plain = new Registry(allModules, everyModuleOn()).tools.get('docker_container_list')!;
    expect(Object.keys(plain.listed.inputSchema.properties as object)).not.toContain('host');
    const refused = plain.def.input.safeParse({ host: 'nas' });
    expect(refused.success).toBe(false);
    expect(refused.error?.issues[0]?.message).toMatch(
      /enable modules.ssh and add the host with docker: true/,
    );
    expect(plain.def.input.safeParse({}).success).toBe(true);
    expect(plain.annotations.openWorldHint).toBe(false); // this engine only

    const fleet = everyModuleOn({
      ssh: { hosts: [{ name: 'nas', address: 'nas.example', key_file: '/dev/null', docker: true }] },
    });
    const offered = new Registry(allModules, fleet).tools.get('docker_container_list')!;
    expect(Object.keys(offered.listed.inputSchema.properties as object)).toContain('host');
    expect(offered.def.input.safeParse({ host: 'nas' }).success).toBe(true);
    expect(offered.annotations.openWorldHint).toBe(true); // may reach another machine of the fleet
  });

  it('read_only shows only read-only low-risk tools', () => {
    const readOnly = new Registry(allModules, configFrom({ tools: { read_only: true } }));
    const principal = {
      id: 'test:admin',
      kind: 'token' as const,
      name: 'admin',
      roles: ['admin'],
      permissions: permissionsFor(config, ['admin']),
    };
    for (const tool of readOnly.listTools(principal)) {
      expect(tool.annotations.readOnlyHint).toBe(true);
    }
  });
});
