import { ProcessTable } from '../../modules/system/proc-table.ts';
import type { Source } from './source.ts';

/** The top process groups (name + user) by CPU and by memory, `top` of each, every run. */
export function processSource(everyMs: number, top: number, table = new ProcessTable()): Source {
  return {
    id: 'processes',
    area: 'system',
    everyMs,
    async run(ctx) {
      const groups = await table.sample();
      const byCpu = [...groups].sort((a, b) => b.cpu_percent - a.cpu_percent).slice(0, top);
      const byMemory = [...groups].sort((a, b) => b.rss_bytes - a.rss_bytes).slice(0, top);
      for (const g of byCpu) {
        if (g.cpu_percent > 0)
          ctx.record('process.cpu.percent', { name: g.name, user: g.user }, g.cpu_percent);
      }
      for (const g of byMemory)
        ctx.record('process.memory.bytes', { name: g.name, user: g.user }, g.rss_bytes);
    },
  };
}
