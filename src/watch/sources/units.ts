import type { SystemContext } from '../../modules/system/context.ts';
import { commandFailure, parseShow } from '../../modules/system/systemd.ts';
import type { Source } from './source.ts';

interface UnitRow {
  unit: string;
  load: string;
  active: string;
  sub: string;
}

const UNIT_NAME = /^[A-Za-z0-9:_.@\\-]{1,255}$/;
const MAX_UNITS = 2000;

/**
 * systemd services: state changes as events, failed units, and automatic restarts
 * (NRestarts) for the restart-loop rule. Two systemctl runs per collection.
 */
export function unitSource(system: SystemContext['system'], everyMs: number): Source {
  const last = new Map<string, string>();
  const restartsBefore = new Map<string, number>();
  let unavailableUntil = 0;
  return {
    id: 'units',
    area: 'system',
    everyMs,
    async run(ctx) {
      if (ctx.now < unavailableUntil) return;
      const options = {
        timeoutMs: system.config.command_timeout,
        signal: ctx.signal,
        outputCap: 4 * 1024 * 1024,
      };
      const list = await system.runner.run(
        ['systemctl', 'list-units', '--type=service', '--all', '--no-pager', '--output=json'],
        options,
      );
      if (list.code !== 0) {
        const error = commandFailure('systemctl list-units', list);
        if (error.code === 'ERR_UPSTREAM_UNAVAILABLE') unavailableUntil = ctx.now + 10 * 60_000;
        throw error;
      }
      const units = (JSON.parse(list.stdout || '[]') as UnitRow[])
        .filter((u) => UNIT_NAME.test(u.unit) && u.load === 'loaded')
        .slice(0, MAX_UNITS);
      let failed = 0;
      for (const u of units) {
        if (u.active === 'failed') failed++;
        const state = `${u.active}/${u.sub}`;
        const before = last.get(u.unit);
        if (before !== undefined && before !== state)
          ctx.event('unit.state', u.unit, { from: before, to: state });
        last.set(u.unit, state);
      }
      ctx.record('systemd.units.failed', {}, failed);
      if (units.length === 0) return;
      const show = await system.runner.run(
        ['systemctl', 'show', '--property=Id,NRestarts,Result', '--', ...units.map((u) => u.unit)],
        options,
      );
      const restarts = new Map<string, { n: number; result: string }>();
      if (show.code === 0) {
        for (const block of show.stdout.split('\n\n')) {
          const props = parseShow(block);
          if (props.Id)
            restarts.set(props.Id, { n: Number(props.NRestarts ?? 0), result: props.Result ?? '' });
        }
      }
      for (const u of units) {
        const r = restarts.get(u.unit);
        if (r && r.n > 0) ctx.record('systemd.unit.restarts', { unit: u.unit }, r.n);
        const before = restartsBefore.get(u.unit);
        if (r && before !== undefined && r.n > before)
          ctx.event('unit.restart', u.unit, { count: r.n - before, total: r.n });
        if (r) restartsBefore.set(u.unit, r.n);
        ctx.fact('unit', u.unit, {
          active: u.active,
          sub: u.sub,
          restarts: r?.n ?? 0,
          result: r?.result ?? '',
        });
      }
    },
  };
}
