import { SERIES, type SeriesName } from '../series.ts';
import type { ExportSample } from './remote-write.ts';

const str = (value: string) => ({ stringValue: value });

/** OTLP/HTTP JSON ExportMetricsServiceRequest: one gauge per series name, one data point per sample. */
export function otlpRequest(samples: readonly ExportSample[], resource: Record<string, string>) {
  const byName = new Map<string, ExportSample[]>();
  for (const s of samples) {
    const list = byName.get(s.name) ?? [];
    list.push(s);
    byName.set(s.name, list);
  }
  return {
    resourceMetrics: [
      {
        resource: {
          attributes: Object.entries(resource).map(([key, value]) => ({ key, value: str(value) })),
        },
        scopeMetrics: [
          {
            scope: { name: 'tailwarden.watch' },
            metrics: [...byName].map(([name, points]) => ({
              name: `tailwarden.${name}`,
              description: SERIES[name as SeriesName]?.description ?? '',
              unit:
                SERIES[name as SeriesName]?.unit === '%' ? '%' : (SERIES[name as SeriesName]?.unit ?? '1'),
              gauge: {
                dataPoints: points.map((p) => ({
                  attributes: Object.entries(p.labels).map(([key, value]) => ({ key, value: str(value) })),
                  timeUnixNano: `${BigInt(p.t) * 1_000_000n}`,
                  asDouble: p.value,
                })),
              },
            })),
          },
        ],
      },
    ],
  };
}
