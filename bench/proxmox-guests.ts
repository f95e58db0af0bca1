/**
 * 300 guests across 3 Proxmox nodes, the fake API answering every request after
 * a realistic 20 ms: median latency of proxmox_guests_list over real MCP/HTTP
 * (target < 150 ms), the Proxmox requests each call costs (target ≤ 2), and its
 * text as JSON and TOON. The baseline in the same run is one direct HTTPS GET of
 * /cluster/resources with the same pinned certificate (what the list cannot beat).
 *
 *   node bench/proxmox-guests.ts
 */
import https from 'node:https';
import { proxmoxModule } from '../src/modules/proxmox/index.ts';
import { GUEST_FIELDS } from '../src/modules/proxmox/model.ts';
import type { ToolModule } from '../src/modules/types.ts';
import { FULL_TOKEN, startFakeProxmox } from '../test/fakes/proxmox.ts';
import { generatedState } from '../test/fakes/proxmox-state.ts';
import { startTestGateway } from '../test/support/gateway.ts';

const NODES = 3;
const GUESTS = 300;
const LATENCY_MS = 20;
const ROUNDS = 30;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

async function time(work: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await work();
  return performance.now() - started;
}

const pve = await startFakeProxmox({ state: generatedState(NODES, GUESTS) });
pve.latencyMs = LATENCY_MS;
const gw = await startTestGateway({
  modules: [proxmoxModule as ToolModule],
  config: {
    modules: {
      proxmox: {
        enabled: true,
        clusters: [
          { name: 'pve', url: pve.url, token_id: FULL_TOKEN.id, fingerprint: pve.certificate.fingerprint },
        ],
        token_secret: FULL_TOKEN.secret,
      },
    },
  },
});
// The baseline trusts the fake's certificate as its CA (it is self-signed), keeping a connection alive like the module.
const direct = new https.Agent({
  keepAlive: true,
  ca: pve.certificate.cert,
  checkServerIdentity: () => undefined,
});
const rawList = () =>
  new Promise<void>((resolve, reject) => {
    const req = https.get(
      `${pve.url}/api2/json/cluster/resources?type=vm`,
      { agent: direct, headers: { Authorization: `PVEAPIToken=${FULL_TOKEN.id}=${FULL_TOKEN.secret}` } },
      (res) => res.resume().on('end', resolve).on('error', reject),
    );
    req.on('error', reject);
  });

try {
  const client = await gw.client(await gw.token({ role: 'viewer' }));
  const list = (args: Record<string, unknown>) =>
    client.callTool({ name: 'proxmox_guests_list', arguments: args });
  for (let i = 0; i < 3; i++) await Promise.all([list({}), rawList()]); // warm up
  const toolTimes: number[] = [];
  const toonTimes: number[] = [];
  const rawTimes: number[] = [];
  const before = pve.requests.length;
  for (let i = 0; i < ROUNDS; i++) {
    toolTimes.push(await time(() => list({})));
    toonTimes.push(await time(() => list({ format: 'toon' })));
  }
  const perCall = (pve.requests.length - before) / (ROUNDS * 2);
  for (let i = 0; i < ROUNDS; i++) rawTimes.push(await time(rawList));

  const text = async (args: Record<string, unknown>) =>
    ((await list(args)) as { content: { text: string }[] }).content[0]!.text;
  const sizes = {
    json: (await text({})).length,
    toon: (await text({ format: 'toon' })).length,
    allJson: (await text({ fields: GUEST_FIELDS })).length,
    allToon: (await text({ fields: GUEST_FIELDS, format: 'toon' })).length,
  };
  const listed = ((await list({})) as unknown as { structuredContent: { matched: number } }).structuredContent
    .matched;
  const saving = (a: number, b: number) => `${(100 - (b / a) * 100).toFixed(1)} % smaller`;
  console.log(
    `${GUESTS} guests on ${NODES} nodes (${listed} listed, templates aside), fake API latency ${LATENCY_MS} ms`,
  );
  console.log(
    `proxmox_guests_list, JSON (MCP over HTTP):  median ${median(toolTimes).toFixed(1)} ms over ${ROUNDS} rounds (target < 150 ms)`,
  );
  console.log(
    `proxmox_guests_list, TOON (MCP over HTTP):  median ${median(toonTimes).toFixed(1)} ms over ${ROUNDS} rounds`,
  );
  console.log(
    `baseline: one HTTPS GET /cluster/resources: median ${median(rawTimes).toFixed(1)} ms → the tool adds ${(median(toolTimes) - median(rawTimes)).toFixed(1)} ms`,
  );
  console.log(`Proxmox requests per list call: ${perCall} (target ≤ 2)`);
  console.log(
    `default fields: JSON ${sizes.json} chars, TOON ${sizes.toon} chars (${saving(sizes.json, sizes.toon)})`,
  );
  console.log(
    `every field:    JSON ${sizes.allJson} chars, TOON ${sizes.allToon} chars (${saving(sizes.allJson, sizes.allToon)})`,
  );
} finally {
  direct.destroy();
  await gw.close();
  await pve.close();
}
