/**
 * What tools/list costs a model's context: the size of the list each role sees
 * with every module on (bytes as sent, compact JSON), per module and per part
 * (input schemas, output schemas, descriptions, the rest), with a token count
 * from a real BPE tokenizer (o200k_base, the encoding of current OpenAI models;
 * Claude's tokenizer is not published, so it is an estimate) beside bytes/4.
 * Printed for the default configuration, with tools.output_schemas on, and with
 * a fleet host running Docker (which adds the `host` argument to Docker tools).
 *   npx node bench/tools-list-size.ts
 */
import { countTokens } from 'gpt-tokenizer/encoding/o200k_base';
import { permissionsFor } from '../src/auth/roles.ts';
import { configFrom } from '../src/config/load.ts';
import type { Config } from '../src/config/schema.ts';
import { type ListedTool, Registry } from '../src/mcp/registry.ts';
import { allModules } from '../src/modules/index.ts';

const moduleIds = Object.keys(configFrom({}).modules);
const fleetHost = { name: 'nas', address: 'nas.example.ts.net', key_file: '/dev/null', docker: true };

function everyModuleOn(extra: { tools?: object; ssh?: object } = {}): Config {
  const modules: Record<string, unknown> = {};
  for (const id of moduleIds) modules[id] = { enabled: true, ...(id === 'ssh' ? extra.ssh : {}) };
  return configFrom({ modules, tools: extra.tools ?? {} });
}

const bytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value) ?? '');
const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`.padStart(9);

function row(label: string, list: readonly ListedTool[]): void {
  const text = JSON.stringify({ tools: list });
  const size = Buffer.byteLength(text);
  console.log(
    `${label.padEnd(24)} ${String(list.length).padStart(4)} tools ${kb(size)}  ` +
      `~${String(Math.round(size / 4)).padStart(6)} (bytes/4)  ${String(countTokens(text)).padStart(6)} tokens`,
  );
}

function listFor(registry: Registry, config: Config, role: string): ListedTool[] {
  return registry.listTools({
    id: `bench:${role}`,
    kind: 'token',
    name: role,
    roles: [role],
    permissions: permissionsFor(config, [role]),
  });
}

function report(title: string, config: Config, detail: boolean): void {
  const registry = new Registry(allModules, config);
  console.log(`\n${title}`);
  for (const role of Object.keys(config.roles)) row(`role ${role}`, listFor(registry, config, role));
  if (!detail) return;

  const admin = listFor(registry, config, 'admin');
  console.log('admin, per module');
  for (const module of allModules) {
    row(
      `  module ${module.id}`,
      admin.filter((t) => registry.tools.get(t.name)?.moduleId === module.id),
    );
  }
  const parts = {
    'input schemas': admin.reduce((n, t) => n + bytes(t.inputSchema), 0),
    'output schemas': admin.reduce((n, t) => n + (t.outputSchema ? bytes(t.outputSchema) : 0), 0),
    descriptions: admin.reduce((n, t) => n + bytes(t.description), 0),
  };
  const rest = bytes({ tools: admin }) - Object.values(parts).reduce((a, b) => a + b, 0);
  console.log('admin, per part');
  for (const [part, size] of Object.entries(parts)) console.log(`  ${part.padEnd(22)} ${kb(size)}`);
  console.log(`  ${'names, titles, hints'.padEnd(22)} ${kb(rest)}`);
  console.log('admin, largest tools');
  for (const tool of [...admin].sort((a, b) => bytes(b) - bytes(a)).slice(0, 5)) {
    console.log(`  ${tool.name.padEnd(34)} ${kb(bytes(tool))}`);
  }
}

report('tools/list, every module on, default configuration (compact JSON as sent)', everyModuleOn(), true);
report('with tools.output_schemas: true', everyModuleOn({ tools: { output_schemas: true } }), true);
report(
  'with a fleet host running Docker (modules.ssh.hosts[].docker)',
  everyModuleOn({ ssh: { hosts: [fleetHost] } }),
  false,
);
