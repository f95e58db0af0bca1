import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALERTS_URI, CONTAINERS_URI, FLEET_URI, HISTORY_CHART_URI } from '../../src/mcp/apps/index.ts';
import { dockerModule } from '../../src/modules/docker/index.ts';
import { sshModule } from '../../src/modules/ssh/index.ts';
import { systemModule } from '../../src/modules/system/index.ts';
import type { ToolModule } from '../../src/modules/types.ts';
import { cleanup, runContainer, testPrefix } from '../docker/support.ts';
import { collectUntil, startWatchHarness, type WatchHarness } from '../watch/support.ts';

const MCP_APP_MIME = 'text/html;profile=mcp-app';

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  return typeof address === 'object' && address ? address.port : 1;
}

/**
 * The MCP Apps views (ui:// resources) of the tools that draw pictures: fetched over MCP,
 * rendered in a sandboxed iframe of a minimal host page in headless Chromium, handed the real
 * tool result, and checked against it; the host also sees the view's messages to it.
 */
describe('MCP Apps: the history chart, container table, alert list and fleet cards', {
  timeout: 240_000,
}, () => {
  const prefix = testPrefix('apps');
  const dir = mkdtempSync(join(tmpdir(), 'tw-test-apps-views-'));
  let h: WatchHarness;
  let browser: Browser;

  beforeAll(async () => {
    writeFileSync(join(dir, 'key'), 'not a key', { mode: 0o600 });
    await runContainer(prefix, 'idle');
    h = await startWatchHarness({
      modules: [systemModule, dockerModule, sshModule] as ToolModule[],
      config: {
        modules: {
          ssh: {
            enabled: true,
            connect_timeout: '2s',
            hosts: [
              {
                name: 'gone',
                address: '127.0.0.1',
                port: await closedPort(),
                key_file: join(dir, 'key'),
                host_key: `SHA256:${'A'.repeat(43)}`,
              },
            ],
          },
        },
        watch: {
          units_interval: '1h',
          updates_interval: '30d',
          rules: [
            {
              name: 'memory-in-use',
              kind: 'threshold',
              series: 'host.memory.used_percent',
              above: 0.01,
              clear: 0,
              for: '15s',
            },
          ],
        },
      },
    });
    await collectUntil(
      h,
      async () => {
        const [open, cpu] = await Promise.all([
          h.ok('watch_alerts_list'),
          h.ok('watch_history', { series: 'host.cpu.percent', from: '1h' }),
        ]);
        return open.count > 0 && (cpu.results[0]?.points.length ?? 0) >= 2;
      },
      'history and an open alert',
    );
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
    });
  });

  afterAll(async () => {
    await browser?.close();
    await h?.close();
    await cleanup(prefix);
    rmSync(dir, { recursive: true, force: true });
  });

  /** Render a view in a sandboxed frame, hand it a tool result, and return the frame and what it said to the host. */
  async function render(uri: string, tool: string, args: Record<string, unknown>) {
    const read = await h.client.readResource({ uri });
    const content = read.contents[0] as { text: string; mimeType: string };
    expect(content.mimeType).toBe(MCP_APP_MIME);
    expect(content.text).not.toMatch(/<(script|link|img)[^>]+(src|href)=/i);
    const result = await h.client.callTool({ name: tool, arguments: args });
    expect(result.isError).toBeFalsy();
    const page = await browser.newPage();
    await page.setContent(
      '<iframe id="view" sandbox="allow-scripts" style="width:800px;height:600px"></iframe>',
    );
    await page.evaluate(`(() => {
      window.said = [];
      const frame = document.getElementById('view');
      window.addEventListener('message', (event) => {
        if (event.source !== frame.contentWindow) return;
        const m = event.data;
        window.said.push(m.method);
        if (m.method === 'ui/initialize')
          frame.contentWindow.postMessage({ jsonrpc: '2.0', id: m.id, result: { protocolVersion: m.params.protocolVersion,
            hostInfo: { name: 'test-host', version: '1' }, hostCapabilities: {}, hostContext: {} } }, '*');
        if (m.method === 'ui/notifications/initialized')
          frame.contentWindow.postMessage({ jsonrpc: '2.0', method: 'ui/notifications/tool-result', params: ${JSON.stringify(result)} }, '*');
      });
      frame.srcdoc = ${JSON.stringify(content.text)};
    })()`);
    const frame = page.frameLocator('#view');
    await frame.locator('#view:not(.wait)').waitFor({ timeout: 60_000 });
    await expect
      .poll(() => page.evaluate('window.said'), { timeout: 60_000 })
      .toContain('ui/notifications/size-changed');
    const said = (await page.evaluate('window.said')) as string[];
    expect(said.slice(0, 2)).toEqual(['ui/initialize', 'ui/notifications/initialized']);
    return { page, frame, data: result.structuredContent as Record<string, unknown> };
  }

  it('each tool names its view, and the view is listed to callers who may read it', async () => {
    const { tools } = await h.client.listTools();
    const uiOf = (name: string) =>
      (tools.find((t) => t.name === name)?._meta as { ui?: { resourceUri: string } })?.ui?.resourceUri;
    expect(uiOf('watch_history')).toBe(HISTORY_CHART_URI);
    expect(uiOf('docker_container_list')).toBe(CONTAINERS_URI);
    expect(uiOf('watch_alerts_list')).toBe(ALERTS_URI);
    expect(uiOf('fleet_status')).toBe(FLEET_URI);
    const dockerOnly = await h.gw.client(await h.gw.token({ permissions: ['docker:read'] }));
    const uris = (await dockerOnly.listResources()).resources.map((r) => r.uri);
    expect(uris).toContain(CONTAINERS_URI);
    expect(uris).not.toContain(HISTORY_CHART_URI);
    await expect(dockerOnly.readResource({ uri: FLEET_URI })).rejects.toThrow();
  });

  it('the history chart draws the series with its summary and table', async () => {
    const { page, frame, data } = await render(HISTORY_CHART_URI, 'watch_history', {
      series: 'host.cpu.percent',
      from: '1h',
    });
    expect(await frame.locator('.chart-title').textContent()).toBe(`host.cpu.percent (${data.unit})`);
    expect(await frame.locator('.plot canvas').count()).toBeGreaterThan(0);
    const points = (data.results as { points: unknown[] }[])[0]!.points.length;
    expect(await frame.locator('table.points tbody tr').count()).toBe(points);
    await page.close();
  });

  it('the container table lists what docker_container_list returned', async () => {
    const { page, frame, data } = await render(CONTAINERS_URI, 'docker_container_list', { all: true });
    expect(await frame.locator('table.containers caption').textContent()).toBe(`${data.count} containers`);
    expect(await frame.locator('table.containers').textContent()).toContain(`${prefix}-idle`);
    await page.close();
  });

  it('the alert list shows the open alerts', async () => {
    const { page, frame, data } = await render(ALERTS_URI, 'watch_alerts_list', {});
    expect(await frame.locator('li.alert').count()).toBe((data.alerts as unknown[]).length);
    expect(await frame.locator('ul.alerts').textContent()).toContain('memory-in-use');
    await page.close();
  });

  it('the fleet cards show a host that did not answer as down', async () => {
    const { page, frame } = await render(FLEET_URI, 'fleet_status', {});
    expect(await frame.locator('section.fleet-host.down h3').textContent()).toContain('gone');
    await page.close();
  });
});
