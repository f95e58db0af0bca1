import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { busyPercent, CpuLoad, parseProcStat } from '../../src/modules/system/cpu-load.ts';

const stat = (user: number, idle: number, iowait = 0, steal = 0) =>
  [
    `cpu  ${user} 0 0 ${idle} ${iowait} 0 0 ${steal} 0 0`,
    `cpu0 ${user} 0 0 ${idle} ${iowait} 0 0 ${steal} 0 0`,
    'intr 1 2 3',
    'ctxt 42',
  ].join('\n');

describe('CPU load from /proc/stat', () => {
  it('counts user, nice, system, irq, softirq and steal as busy; idle and iowait as not', () => {
    expect(parseProcStat('cpu  10 20 30 400 50 6 7 8 99 99\ncpu0 1 1 1 1 1 1 1 1 1 1\n')).toEqual({
      busy: 10 + 20 + 30 + 6 + 7 + 8,
      total: 10 + 20 + 30 + 6 + 7 + 8 + 400 + 50,
    });
  });

  it('gives the busy share between two readings', () => {
    expect(busyPercent(parseProcStat(stat(100, 100)), parseProcStat(stat(130, 170)))).toBe(30);
    expect(busyPercent(parseProcStat(stat(100, 100, 0, 0)), parseProcStat(stat(100, 150, 50)))).toBe(0);
    expect(busyPercent(parseProcStat(stat(100, 100)), parseProcStat(stat(100, 100)))).toBe(0);
  });

  it('refuses a file without the aggregate line', () => {
    expect(() => parseProcStat('cpu0 1 2 3 4\n')).toThrow(/no aggregate cpu line/);
  });

  it('reads this host: a percentage, then the load since the previous reading', async () => {
    const load = new CpuLoad();
    for (let i = 0; i < 2; i++) {
      const percent = await load.read();
      expect(percent).toBeGreaterThanOrEqual(0);
      expect(percent).toBeLessThanOrEqual(100);
    }
  });

  it('measures each later reading from the one before', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'tw-cpu-')), 'stat');
    writeFileSync(path, stat(100, 100));
    const load = new CpuLoad(path);
    expect(await load.read()).toBe(0);
    writeFileSync(path, stat(175, 125));
    expect(await load.read()).toBe(75);
    writeFileSync(path, stat(175, 225));
    expect(await load.read()).toBe(0);
  });
});
