import { describe, expect, it } from 'vitest';
import { sharedRead } from '../../src/modules/system/shared-read.ts';

describe('sharedRead', () => {
  it('gives concurrent callers one read in flight, and reads again once it settled', async () => {
    let reads = 0;
    let release: (n: number) => void = () => undefined;
    const read = sharedRead(() => {
      reads++;
      return new Promise<number>((resolve) => {
        release = resolve;
      });
    }, 0);
    const callers = Array.from({ length: 12 }, () => read());
    release(42);
    expect(await Promise.all(callers)).toEqual(Array(12).fill(42));
    expect(reads).toBe(1);
    const next = read();
    release(43);
    expect(await next).toBe(43);
    expect(reads).toBe(2);
  });

  it('keeps a result for keepMs, and never keeps a failure', async () => {
    let reads = 0;
    const kept = sharedRead(async () => ++reads, 60_000);
    expect([await kept(), await kept()]).toEqual([1, 1]);

    let failures = 0;
    const failing = sharedRead(async () => {
      failures++;
      throw new Error(`read ${failures} failed`);
    }, 60_000);
    await expect(failing()).rejects.toThrow('read 1 failed');
    await expect(failing()).rejects.toThrow('read 2 failed');
  });
});
