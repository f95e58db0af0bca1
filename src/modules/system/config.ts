import { bool, duration, int, section } from '../../config/fields.ts';

export const systemConfig = section(
  {
    enabled: bool(true, { description: 'Expose the system module (host status, processes, network).' }),
    sample_interval: duration('5s', {
      description: 'How often the background sampler reads CPU, memory and network counters.',
    }),
    disk_sample_interval: duration('30s', { description: 'How often disk usage is re-read (it spawns df).' }),
    disk_warn_percent: int(
      90,
      { description: 'Disk usage (percent) above which system_status warns.' },
      1,
      100,
    ),
    memory_warn_percent: int(
      90,
      { description: 'Memory in use (percent, excluding caches) above which system_status warns.' },
      1,
      100,
    ),
  },
  'System module: the host the gateway runs on.',
);
