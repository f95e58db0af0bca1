import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { tailscaleModule } from '../../src/modules/tailscale/index.ts';
import type { ToolModule } from '../../src/modules/types.ts';
import { FAKE_API_KEY, type FakeAdminApi, startFakeAdminApi } from '../fakes/tailscale-admin.ts';
import { type FakeTailscaled, startFakeTailscaled } from '../fakes/tailscaled.ts';
import { startTestGateway, type TestGateway } from '../support/gateway.ts';

export interface TailscaleHarness {
  admin: FakeAdminApi;
  tailscaled: FakeTailscaled;
  gateway: TestGateway;
  /** A client holding every tailscale permission (admin role). */
  adminClient: Client;
  close(): Promise<void>;
}

/** A real gateway with only the tailscale module, pointed at the fake admin API and fake tailscaled. */
export async function startTailscaleHarness(
  tailscaleConfig: Record<string, unknown> = {},
  config: Record<string, unknown> = {},
): Promise<TailscaleHarness> {
  const admin = await startFakeAdminApi();
  const tailscaled = await startFakeTailscaled();
  const gateway = await startTestGateway({
    modules: [tailscaleModule as ToolModule],
    config: {
      policy: { high: 'allow', critical: 'allow' },
      ...config,
      modules: {
        tailscale: {
          enabled: true,
          api_url: admin.url,
          socket: tailscaled.socketPath,
          api_key: FAKE_API_KEY,
          retry_base_delay: 10,
          ...tailscaleConfig,
        },
      },
    },
  });
  const adminClient = await gateway.client(await gateway.token({ role: 'admin' }));
  return {
    admin,
    tailscaled,
    gateway,
    adminClient,
    async close() {
      await gateway.close();
      await admin.close();
      await tailscaled.close();
    },
  };
}

export interface ToolAnswer {
  isError: boolean;
  text: string;
  data: Record<string, unknown>;
}

export async function call(
  client: Client,
  name: string,
  args: Record<string, unknown> = {},
): Promise<ToolAnswer> {
  const result = await client.callTool({ name, arguments: args });
  const text = (result.content as { type: string; text: string }[])[0]?.text ?? '';
  return {
    isError: result.isError === true,
    text,
    data: (result.structuredContent ?? {}) as Record<string, unknown>,
  };
}
