import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STATUS_CARD_URI } from '../../src/mcp/apps/index.ts';
import { allModules } from '../../src/modules/index.ts';
import { startTestGateway, type TestGateway } from '../support/gateway.ts';

const MCP_APP_MIME = 'text/html;profile=mcp-app';

// SDK clients compile a validator per listed tool: slow on a loaded machine, so generous deadlines.
describe('MCP Apps: the status card for system_status', { timeout: 120_000 }, () => {
  let gw: TestGateway;
  let viewer: string;
  let dockerOnly: string;
  let browser: Browser;

  beforeAll(async () => {
    gw = await startTestGateway({ modules: allModules });
    viewer = await gw.token({ role: 'viewer' });
    dockerOnly = await gw.token({ permissions: ['docker:read'] });
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await gw.close();
  });

  it('names its view on the tool in both eras, and lists it only to callers who may read it', async () => {
    for (const client of [await gw.client(viewer), await gw.modernClient(viewer)]) {
      const { tools } = await client.listTools();
      const status = tools.find((t) => t.name === 'system_status')!;
      expect(status._meta).toMatchObject({ ui: { resourceUri: STATUS_CARD_URI } });
      const { resources } = await client.listResources();
      expect(resources.find((r) => r.uri === STATUS_CARD_URI)?.mimeType).toBe(MCP_APP_MIME);
    }
    const stranger = await gw.modernClient(dockerOnly);
    expect((await stranger.listResources()).resources.map((r) => r.uri)).not.toContain(STATUS_CARD_URI);
    await expect(stranger.readResource({ uri: STATUS_CARD_URI })).rejects.toThrow();
  });

  it('is self-contained HTML, and a host that renders it shows the real status (the result stands without it)', async () => {
    const client = await gw.modernClient(viewer);
    const read = await client.readResource({ uri: STATUS_CARD_URI });
    const html = (read.contents[0] as { text: string; mimeType: string }).text;
    expect(read.contents[0]!.mimeType).toBe(MCP_APP_MIME);
    expect(html).not.toMatch(/<(script|link|img)[^>]+(src|href)=["']?https?:/i);

    const result = await client.callTool({ name: 'system_status', arguments: {} });
    const status = result.structuredContent as { hostname: string };
    expect(typeof status.hostname).toBe('string');
    expect(JSON.parse((result.content as { text: string }[])[0]!.text)).toEqual(status);

    // A minimal MCP Apps host: answers ui/initialize, then hands the view the tool result.
    const page = await browser.newPage();
    await page.setContent('<iframe id="view" style="width:600px;height:400px"></iframe>');
    // Runs in the page (a string, so the test's types need no DOM library).
    await page.evaluate(`(() => {
      const html = ${JSON.stringify(html)};
      const result = ${JSON.stringify(result)};
      const frame = document.getElementById('view');
      window.addEventListener('message', (event) => {
        const m = event.data;
        if (m && m.method === 'ui/initialize') {
          frame.contentWindow.postMessage({ jsonrpc: '2.0', id: m.id, result: {
            protocolVersion: m.params.protocolVersion, hostInfo: { name: 'test-host', version: '1' },
            hostCapabilities: {}, hostContext: {} } }, '*');
        }
        if (m && m.method === 'ui/notifications/initialized') {
          frame.contentWindow.postMessage({ jsonrpc: '2.0', method: 'ui/notifications/tool-result', params: result }, '*');
        }
      });
      frame.srcdoc = html;
    })()`);
    const view = page.frameLocator('#view');
    await expect.poll(() => view.locator('h1').textContent(), { timeout: 20_000 }).toBe(status.hostname);
    expect(await view.locator('.row').count()).toBeGreaterThanOrEqual(2);
    await page.close();
  });
});
