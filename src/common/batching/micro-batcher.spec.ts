import { setImmediate as nextTurn } from 'node:timers/promises';
import { MicroBatcher } from './micro-batcher';

function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void; reject: (error: unknown) => void } {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('MicroBatcher', () => {
  it('writes items added in one turn with one call and answers each in order', async () => {
    const calls: number[][] = [];
    const batcher = new MicroBatcher<number, number>(async (items) => {
      calls.push(items);
      return items.map((n) => n * 10);
    });
    await expect(Promise.all([batcher.add(1), batcher.add(2), batcher.add(3)])).resolves.toEqual([10, 20, 30]);
    expect(calls).toEqual([[1, 2, 3]]);
  });

  it('a lone item is written without waiting for company', async () => {
    const write = jest.fn(async (items: string[]) => items.map(() => true));
    const batcher = new MicroBatcher(write);
    await expect(batcher.add('only')).resolves.toBe(true);
    expect(write).toHaveBeenCalledTimes(1);
  });

  it('items arriving while the limit of writes is in flight go into the next write together', async () => {
    const pending: Array<ReturnType<typeof deferred<number[]>>> = [];
    const calls: number[][] = [];
    const batcher = new MicroBatcher<number, number>(
      (items) => {
        calls.push(items);
        const next = deferred<number[]>();
        pending.push(next);
        return next.promise.then(() => items);
      },
      { maxInFlight: 1 },
    );
    const first = batcher.add(1);
    await nextTurn();
    const later = [batcher.add(2), batcher.add(3)];
    await nextTurn();
    await nextTurn();
    expect(calls).toEqual([[1]]);
    pending[0].resolve([]);
    await expect(first).resolves.toBe(1);
    await nextTurn();
    expect(calls).toEqual([[1], [2, 3]]);
    pending[1].resolve([]);
    await expect(Promise.all(later)).resolves.toEqual([2, 3]);
  });

  it('splits at maxBatch', async () => {
    const calls: number[][] = [];
    const batcher = new MicroBatcher<number, number>(
      async (items) => {
        calls.push(items);
        return items;
      },
      { maxBatch: 2, maxInFlight: 4 },
    );
    await Promise.all([1, 2, 3, 4, 5].map((n) => batcher.add(n)));
    expect(calls).toEqual([[1, 2], [3, 4], [5]]);
  });

  it('a failed write fails its own items only; the next batch still runs', async () => {
    let fail = true;
    const batcher = new MicroBatcher<number, number>(async (items) => {
      if (fail) {
        fail = false;
        throw new Error('database down');
      }
      return items;
    });
    const failed = [batcher.add(1), batcher.add(2)];
    await expect(failed[0]).rejects.toThrow('database down');
    await expect(failed[1]).rejects.toThrow('database down');
    await expect(batcher.add(3)).resolves.toBe(3);
  });

  it('a write answering the wrong number of results fails the batch instead of misattributing them', async () => {
    const batcher = new MicroBatcher<number, boolean>(async () => [true]);
    await expect(Promise.all([batcher.add(1), batcher.add(2)])).rejects.toThrow(/2 items/);
  });

  it('drain resolves once every item added so far is written', async () => {
    const pending = deferred<number[]>();
    const batcher = new MicroBatcher<number, number>(() => pending.promise);
    await expect(batcher.drain()).resolves.toBeUndefined();
    const added = batcher.add(1);
    let drained = false;
    const draining = batcher.drain().then(() => (drained = true));
    await nextTurn();
    await nextTurn();
    expect(drained).toBe(false);
    pending.resolve([1]);
    await draining;
    await expect(added).resolves.toBe(1);
  });
});
