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
function everyModuleOn() {
  const base = configFrom({});
  const modules: Record<string, unknown> = {};
  for (const id of Object.keys(base.modules)) modules[id] = { enabled: true };
  return configFrom({ modules });
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
