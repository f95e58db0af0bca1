import { readdir, readFile } from 'node:fs/promises';
import type { InterfaceRate } from './sampler.ts';

const NET = '/sys/class/net';

interface Counters {
  state: string;
  rx_bytes: number;
  tx_bytes: number;
  rx_errors: number;
  tx_errors: number;
}

async function number(path: string): Promise<number> {
  const value = Number((await readFile(path, 'utf8').catch(() => '0')).trim());
  return Number.isFinite(value) ? value : 0;
}

async function countersOf(iface: string): Promise<Counters> {
  const stats = `${NET}/${iface}/statistics`;
  const [state, rx_bytes, tx_bytes, rx_errors, tx_errors] = await Promise.all([
    readFile(`${NET}/${iface}/operstate`, 'utf8').then(
      (s) => s.trim(),
      () => 'unknown',
    ),
    number(`${stats}/rx_bytes`),
    number(`${stats}/tx_bytes`),
    number(`${stats}/rx_errors`),
    number(`${stats}/tx_errors`),
  ]);
  return { state, rx_bytes, tx_bytes, rx_errors, tx_errors };
}

/**
 * Per-interface traffic counters and rates from /sys/class/net, read asynchronously. (systeminformation's
 * networkStats('*') first lists interfaces with synchronous commands that stall the event loop for a second
 * or more, right while the gateway starts.) Rates are per second since the previous reading; null the first time
 * and after a counter went backwards (an interface re-created).
 */
export class NetCounters {
  private previous = new Map<string, { at: number; counters: Counters }>();

  async read(): Promise<InterfaceRate[]> {
    const names = await readdir(NET).catch(() => [] as string[]);
    const at = Date.now();
    const current = await Promise.all(
      names.sort().map(async (iface) => ({ iface, c: await countersOf(iface) })),
    );
    const seen = new Map<string, { at: number; counters: Counters }>();
    const rates = current.map(({ iface, c }) => {
      const before = this.previous.get(iface);
      seen.set(iface, { at, counters: c });
      const seconds = before ? (at - before.at) / 1000 : 0;
      const rate = (now: number, then: number | undefined) =>
        then === undefined || seconds <= 0 || now < then ? null : Math.round((now - then) / seconds);
      return {
        iface,
        state: c.state,
        rx_bytes: c.rx_bytes,
        tx_bytes: c.tx_bytes,
        rx_bytes_per_s: rate(c.rx_bytes, before?.counters.rx_bytes),
        tx_bytes_per_s: rate(c.tx_bytes, before?.counters.tx_bytes),
        rx_errors: c.rx_errors,
        tx_errors: c.tx_errors,
      };
    });
    this.previous = seen;
    return rates;
  }
}
