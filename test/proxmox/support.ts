import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { ProxmoxContext } from '../../src/modules/proxmox/context.ts';
import { proxmoxModule } from '../../src/modules/proxmox/index.ts';
import type { ToolModule } from '../../src/modules/types.ts';
import { type FakeProxmox, FULL_TOKEN, startFakeProxmox } from '../fakes/proxmox.ts';
import type { FakeToken } from '../fakes/proxmox-acl.ts';
import { startTestGateway, type TestGateway } from '../support/gateway.ts';

export interface ProxmoxHarness {
  pve: FakeProxmox;
  gateway: TestGateway;
  /** A client holding every permission (admin role). */
  admin: Client;
  close(): Promise<void>;
}

/** The cluster entry for a fake: its URL, a token id and the pinned fingerprint of the certificate it serves. */
export function clusterFor(pve: FakeProxmox, name = 'home', token: FakeToken = FULL_TOKEN) {
  return { name, url: pve.url, token_id: token.id, fingerprint: pve.certificate.fingerprint };
}

/**
 * A real gateway with only the proxmox module, pointed at a fake Proxmox API
 * over HTTPS with a pinned certificate. Tasks are polled every 20 ms.
 */
export async function startProxmoxHarness(
  options: {
    pve?: FakeProxmox;
    token?: FakeToken;
    proxmox?: Record<string, unknown>;
    config?: Record<string, unknown>;
  } = {},
): Promise<ProxmoxHarness> {
  const pve = options.pve ?? (await startFakeProxmox());
  const token = options.token ?? FULL_TOKEN;
  const gateway = await startTestGateway({
    modules: [proxmoxModule as ToolModule],
    config: {
      policy: { moderate: 'allow', high: 'allow', critical: 'allow' },
      ...options.config,
      modules: {
        proxmox: {
          enabled: true,
          clusters: [clusterFor(pve, 'home', token)],
          token_secret: token.secret,
          task_poll_interval: 20,
          api_timeout: '10s',
          self_vmid: 100,
          ...options.proxmox,
        },
      },
    },
  });
  const admin = await gateway.client(await gateway.token({ role: 'admin' }));
  return {
    pve,
    gateway,
    admin,
    async close() {
      await gateway.close();
      await pve.close();
    },
  };
}

export interface ToolAnswer {
  isError: boolean;
  text: string;
  // biome-ignore lint/suspicious/noExplicitAny: test assertions walk arbitrary JSON
  data: any;
}

export async function call(
  client: Client,
  name: string,
  args: Record<string, unknown> = {},
): Promise<ToolAnswer> {
  const result = await client.callTool({ name, arguments: args });
  const text = (result.content as { type: string; text: string }[])[0]?.text ?? '';
  return { isError: result.isError === true, text, data: result.structuredContent ?? {} };
}

/** Requests the fake received for one path pattern (to count what a tool cost). */
export function requestsTo(pve: FakeProxmox, pattern: RegExp, since = 0) {
  return pve.requests.slice(since).filter((r) => pattern.test(r.path));
}

/** Close the gateway's kept-alive sockets to Proxmox, so the next request opens (and verifies) a new one. */
export function closeProxmoxSockets(gw: TestGateway): void {
  const context = gw.gateway.runtimes.get('proxmox')?.context as ProxmoxContext | undefined;
  for (const client of context?.proxmox.clusters.all() ?? []) client.close();
}
