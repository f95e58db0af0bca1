import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configFrom } from '../../src/config/load.ts';
import { Registry } from '../../src/mcp/registry.ts';
import { toolsetNames } from '../../src/mcp/toolsets.ts';
import { allModules } from '../../src/modules/index.ts';
import { startTestGateway, type TestGateway } from '../support/gateway.ts';
import { fails, ok } from '../system/helpers.ts';

describe('toolsets (tools.toolsets)', () => {
  it('puts every tool in its module and exactly one area of it', () => {
    const registry = new Registry(allModules, configFrom({}));
    for (const tool of registry.tools.values()) {
      expect(tool.toolsets[0]).toBe(tool.moduleId);
      expect(tool.toolsets).toHaveLength(2);
    }
    expect(toolsetNames(allModules)).toEqual(
      expect.arrayContaining(['system', 'system.logs', 'docker.containers', 'tailscale.dns', 'ssh.commands']),
    );
  });

  it('refuses an unknown toolset at start, with the closest names and the list', () => {
    expect(() => new Registry(allModules, configFrom({ tools: { toolsets: ['docker.container'] } }))).toThrow(
      /unknown toolset "docker.container". Did you mean "docker.containers".*Toolsets: system, system.host/,
    );
  });

  describe('through a real gateway', () => {
    let gw: TestGateway;
    beforeAll(async () => {
      gw = await startTestGateway({
        config: {
          modules: { docker: { enabled: true } },
          tools: { toolsets: ['system.logs', 'docker.images'], enabled: ['system_status'] },
        },
      });
    });
    afterAll(() => gw?.close());

    it('lists and runs the tools of the named toolsets and tools.enabled, and refuses the rest', async () => {
      const client = await gw.client(await gw.token({ role: 'admin' }));
      const names = (await client.listTools()).tools.map((t) => t.name).sort();
      expect(names).toEqual([
        'docker_image_inspect',
        'docker_image_list',
        'docker_image_prune',
        'docker_image_pull',
        'docker_image_remove',
        'system_logs_analyze',
        'system_logs_query',
        'system_status',
      ]);
      expect((await ok(client, 'system_status')).hostname).toBeTruthy();
      const refused = await fails(client, 'system_processes_top', {}, 'ERR_TOOL_DISABLED');
      expect(refused).toContain('it is in neither tools.enabled nor tools.toolsets');
    });
  });

  it('read-only mode (tools.read_only) keeps only the read-only tools of the chosen toolsets', () => {
    const config = configFrom({
      modules: { docker: { enabled: true } },
      tools: { toolsets: ['docker'], read_only: true },
    });
    const exposed = [...new Registry(allModules, config).tools.values()].filter((t) => !t.hidden);
    expect(exposed.length).toBeGreaterThan(5);
    for (const tool of exposed) {
      expect(tool.moduleId).toBe('docker');
      expect(tool.annotations.readOnlyHint).toBe(true);
    }
  });
});
