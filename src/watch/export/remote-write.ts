import protobuf from 'protobufjs';
import snappy from 'snappyjs';

/** Prometheus remote write 1.0 (prometheus/prompb): the three messages a write request needs. */
const root = protobuf.Root.fromJSON({
  nested: {
    prometheus: {
      nested: {
        WriteRequest: { fields: { timeseries: { rule: 'repeated', type: 'TimeSeries', id: 1 } } },
        TimeSeries: {
          fields: {
            labels: { rule: 'repeated', type: 'Label', id: 1 },
            samples: { rule: 'repeated', type: 'Sample', id: 2 },
          },
        },
        Label: { fields: { name: { type: 'string', id: 1 }, value: { type: 'string', id: 2 } } },
        Sample: { fields: { value: { type: 'double', id: 1 }, timestamp: { type: 'int64', id: 2 } } },
      },
    },
  },
});
const WriteRequest = root.lookupType('prometheus.WriteRequest');

export interface ExportSample {
  name: string;
  labels: Record<string, string>;
  value: number;
  t: number;
}

/** `host.cpu.percent` → `tailwarden_host_cpu_percent` (Prometheus metric names allow [a-zA-Z0-9_:]). */
export function promName(name: string): string {
  return `tailwarden_${name.replace(/[^a-zA-Z0-9_]/g, '_')}`;
}

/** Snappy-compressed protobuf WriteRequest: samples grouped per series, labels sorted by name. */
export function encodeWriteRequest(
  samples: readonly ExportSample[],
  base: Record<string, string>,
): Uint8Array {
  const series = new Map<
    string,
    { labels: { name: string; value: string }[]; samples: { value: number; timestamp: number }[] }
  >();
  for (const s of samples) {
    const labels = Object.entries({ ...base, ...s.labels, __name__: promName(s.name) })
      .map(([name, value]) => ({ name: name.replace(/[^a-zA-Z0-9_]/g, '_'), value }))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const key = JSON.stringify(labels);
    const entry = series.get(key) ?? { labels, samples: [] };
    entry.samples.push({ value: s.value, timestamp: s.t });
    series.set(key, entry);
  }
  for (const entry of series.values()) entry.samples.sort((a, b) => a.timestamp - b.timestamp);
  const message = WriteRequest.fromObject({ timeseries: [...series.values()] });
  return snappy.compress(WriteRequest.encode(message).finish());
}

/** The inverse, for tests and debugging. */
export function decodeWriteRequest(body: Uint8Array): {
  timeseries: {
    labels: { name: string; value: string }[];
    samples: { value: number; timestamp: number }[];
  }[];
} {
  const decoded = WriteRequest.decode(snappy.uncompress(body));
  return WriteRequest.toObject(decoded, { longs: Number, defaults: true }) as never;
}
