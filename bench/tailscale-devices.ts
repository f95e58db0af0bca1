/**
 * 1,000-device tailnet: parse the admin API answer, normalise, filter, select
 * fields and render as JSON and TOON — the processing tailscale_devices_list
 * does after the HTTP round trip. Prints median times and output sizes.
 *
 *   node bench/tailscale-devices.ts
 */
import { renderText } from '../src/mcp/format.ts';
import { DEVICE_FIELDS, normalizeDevice } from '../src/modules/tailscale/device-model.ts';
import { selectDevices } from '../src/modules/tailscale/devices.ts';
import { generateDevices } from '../test/fakes/tailnet-generator.ts';

const RUNS = 60;
const now = Date.now();
const body = JSON.stringify({ devices: generateDevices(1000, now) });

const scenarios = [
  { name: 'all devices, default fields', filter: {}, fields: undefined },
  { name: 'all devices, every field', filter: {}, fields: DEVICE_FIELDS },
  { name: 'not seen for 30 days', filter: { not_seen_days: 30 }, fields: undefined },
  {
    name: 'linux, tag:server, key expiring 30d',
    filter: { os: 'linux', tag: 'tag:server', key_expiring_days: 30 },
    fields: undefined,
  },
] as const;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

console.log(`admin API answer: ${(body.length / 1024).toFixed(0)} KiB for 1000 devices; ${RUNS} runs each\n`);
console.log(
  'scenario                                  | matched | json ms | toon ms | json chars | toon chars | toon vs json',
);
for (const scenario of scenarios) {
  const times: Record<'json' | 'toon', number[]> = { json: [], toon: [] };
  const sizes = { json: 0, toon: 0 };
  let matched = 0;
  for (let i = 0; i < RUNS; i++) {
    for (const format of ['json', 'toon'] as const) {
      const start = performance.now();
      const raw = JSON.parse(body) as { devices: unknown[] };
      const devices = raw.devices.map((d) => normalizeDevice(d, now));
      const output = selectDevices(devices, scenario.filter, scenario.fields, 5000);
      const text = renderText(output, format);
      times[format].push(performance.now() - start);
      sizes[format] = text.length;
      matched = output.matched;
    }
  }
  const saving = 100 - (sizes.toon / sizes.json) * 100;
  console.log(
    `${scenario.name.padEnd(41)} | ${String(matched).padStart(7)} | ${median(times.json).toFixed(2).padStart(7)} | ${median(times.toon).toFixed(2).padStart(7)} | ${String(sizes.json).padStart(10)} | ${String(sizes.toon).padStart(10)} | ${saving.toFixed(1)} % smaller`,
  );
}

// Where the time goes, default fields, all devices.
const stages: Record<string, number[]> = { parse: [], normalize: [], filter_select: [], json: [], toon: [] };
for (let i = 0; i < RUNS; i++) {
  let t = performance.now();
  const raw = JSON.parse(body) as { devices: unknown[] };
  stages.parse!.push(performance.now() - t);
  t = performance.now();
  const devices = raw.devices.map((d) => normalizeDevice(d, now));
  stages.normalize!.push(performance.now() - t);
  t = performance.now();
  const output = selectDevices(devices, {}, undefined, 5000);
  stages.filter_select!.push(performance.now() - t);
  t = performance.now();
  renderText(output, 'json');
  stages.json!.push(performance.now() - t);
  t = performance.now();
  renderText(output, 'toon');
  stages.toon!.push(performance.now() - t);
}
console.log(
  `\nmedian ms per stage (all devices, default fields): ${Object.entries(stages)
    .map(([stage, values]) => `${stage} ${median(values).toFixed(2)}`)
    .join(', ')}`,
);
