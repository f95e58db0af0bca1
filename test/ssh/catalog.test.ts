import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.ts';
import { CatalogError, DEFAULT_CATALOG_FILE, loadCatalog } from '../../src/modules/ssh/catalog/load.ts';
import { renderArgv } from '../../src/modules/ssh/catalog/render.ts';
import { CatalogStore } from '../../src/modules/ssh/catalog/store.ts';

const dir = mkdtempSync(join(tmpdir(), 'tw-test-catalog-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let counter = 0;
function file(text: string): string {
  const path = join(dir, `c${++counter}.yaml`);
  writeFileSync(path, text);
  return path;
}

function problemsOf(files: string[]): string[] {
  try {
    loadCatalog(files);
  } catch (error) {
    expect(error).toBeInstanceOf(CatalogError);
    return (error as CatalogError).problems;
  }
  throw new Error('expected the catalog to be refused');
}

describe('command catalog validation', () => {
  it('loads the default catalog: read-only, low risk, every entry valid', () => {
    const catalog = loadCatalog([DEFAULT_CATALOG_FILE]);
    const names = [...catalog.keys()];
    for (const expected of [
      'disk_usage',
      'memory',
      'uptime',
      'load',
      'top_processes',
      'listening_ports',
      'failed_services',
      'service_status',
      'service_logs',
      'docker_ps',
      'docker_stats',
      'docker_logs',
      'os_release',
      'kernel',
    ])
      expect(names).toContain(expected);
    for (const entry of catalog.values()) {
      expect(entry.risk).toBe('low');
      expect(entry.permission).toBe('ssh:read');
      expect(entry.sudo).toBe(false);
    }
  });

  it('renders operands after -- and keeps embedded placeholders inside one argument', () => {
    const catalog = loadCatalog([DEFAULT_CATALOG_FILE]);
    expect(renderArgv(catalog.get('service_status')!, { unit: 'nginx.service' })).toEqual([
      'systemctl',
      'status',
      '--no-pager',
      '--lines=0',
      '--',
      'nginx.service',
    ]);
    expect(renderArgv(catalog.get('top_processes')!, {})).toContain('--sort=-pcpu');
    expect(renderArgv(catalog.get('service_logs')!, { unit: 'ssh', lines: 5 })).toEqual([
      'journalctl',
      '--no-pager',
      '--output=short-iso',
      '--lines=5',
      '--unit=ssh',
    ]);
    expect(() => renderArgv(catalog.get('service_status')!, { unit: 'a;b' })).toThrow(/must match/);
    expect(() => renderArgv(catalog.get('docker_logs')!, { container: '$(id)' })).toThrow(/must match/);
  });

  it('prefixes sudo -n -- for entries that need it', () => {
    const path = file(
      'commands:\n  - name: restart_service\n    description: Restart.\n    argv: [systemctl, restart, --, "{unit}"]\n    parameters:\n      unit: { type: enum, values: [nginx], description: unit }\n    permission: ssh:exec\n    risk: high\n    sudo: true\n',
    );
    const entry = loadCatalog([path]).get('restart_service')!;
    expect(renderArgv(entry, { unit: 'nginx' })).toEqual([
      'sudo',
      '-n',
      '--',
      'systemctl',
      'restart',
      '--',
      'nginx',
    ]);
  });

  it('names the file, the entry and the field of every problem', () => {
    const path = file(
      [
        'commands:',
        '  - name: good',
        '    description: fine',
        "    argv: ['true']",
        '  - name: Bad-Name',
        '    description: x',
        '    argv: [ls]',
        '  - name: wrong_perm',
        '    description: x',
        '    argv: [ls]',
        '    permission: root:all',
        '  - name: undeclared',
        '    description: x',
        "    argv: [cat, '{file}']",
        '  - name: unused',
        '    description: x',
        '    argv: [ls]',
        '    parameters:',
        '      n: { type: integer, description: n }',
        '  - name: program_param',
        '    description: x',
        "    argv: ['{prog}']",
        '    parameters:',
        '      prog: { type: enum, values: [ls], description: p }',
        '  - name: bad_regex',
        '    description: x',
        "    argv: [ls, '{p}']",
        '    parameters:',
        "      p: { type: string, pattern: '(', description: p }",
        '  - name: typo_field',
        '    description: x',
        '    argv: [ls]',
        '    risk: medium',
        '    sudoo: true',
        '  - name: bad_timeout',
        '    description: x',
        '    argv: [ls]',
        '    timeout: soon',
        '',
      ].join('\n'),
    );
    const problems = problemsOf([path]);
    const expectProblem = (pattern: string) =>
      expect(
        problems.some((p) => p.startsWith(`${path}: `) && p.includes(pattern)),
        pattern,
      ).toBe(true);
    expectProblem('commands[1] "Bad-Name": name: must be snake_case');
    expectProblem('commands[2] "wrong_perm": permission: unknown permission "root:all"');
    expectProblem('commands[3] "undeclared": argv.1: uses {file}, which is not declared');
    expectProblem('commands[4] "unused": parameters.n: is declared but not used');
    expectProblem('commands[5] "program_param": argv.0: the program must be fixed');
    expectProblem('commands[6] "bad_regex": parameters.p.pattern: is not a valid regular expression');
    expectProblem('commands[7] "typo_field": (entry): unknown field(s) sudoo');
    expectProblem('commands[7] "typo_field": risk:');
    expectProblem('commands[8] "bad_timeout": timeout: "soon" is not a duration');
    expect(problems.some((p) => p.includes('"good"'))).toBe(false);
  });

  it('refuses the whole catalog for one bad entry, duplicates across files, and non-catalog files', () => {
    const a = file('commands:\n  - name: dup\n    description: a\n    argv: [ls]\n');
    const b = file('commands:\n  - name: dup\n    description: b\n    argv: [ls]\n');
    expect(problemsOf([a, b])).toEqual([`${b}: command "dup": name: already defined in ${a}`]);
    expect(problemsOf([file('commands: [\n')])[0]).toMatch(/not valid YAML/);
    expect(problemsOf([file('hosts: []\n')]).join()).toMatch(/unknown field|commands/);
    expect(problemsOf([join(dir, 'missing.yaml')])[0]).toMatch(/cannot read \(ENOENT\)/);
    expect(problemsOf([file('commands:\n  - "just a string"\n')])[0]).toMatch(/commands\[0\]/);
  });

  it('keeps the catalog in use when a reload does not validate', () => {
    const path = file('commands:\n  - name: one\n    description: a\n    argv: [ls]\n');
    const store = new CatalogStore([path], createLogger({ level: 'silent' }));
    expect(store.names()).toEqual(['one']);
    writeFileSync(path, 'commands:\n  - name: two\n    description: b\n    argv: [ls]\n  - name: 3\n');
    expect(() => store.reload()).toThrow(CatalogError);
    expect(store.names()).toEqual(['one']);
    writeFileSync(path, 'commands:\n  - name: two\n    description: b\n    argv: [ls]\n');
    expect(store.reload()).toBe(1);
    expect(store.names()).toEqual(['two']);
  });
});
