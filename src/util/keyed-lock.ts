/**
 * Runs work one at a time per key (calls for other keys run alongside). Used
 * where two calls on the same thing would interleave badly: two updates of
 * one stack checking out and shipping different revisions at once.
 */
export class KeyedLock {
  private readonly tails = new Map<string, Promise<unknown>>();

  async run<T>(key: string, work: () => Promise<T>): Promise<T> {
    const before = this.tails.get(key) ?? Promise.resolve();
    const mine = before.catch(() => undefined).then(work);
    const tail = mine.catch(() => undefined);
    this.tails.set(key, tail);
    try {
      return await mine;
    } finally {
      // The last one out removes the key, so the map does not grow with every stack ever touched.
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }
}
