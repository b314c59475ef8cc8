import { BoundedQueue, QueueBusyError } from './bounded-queue';

function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void; reject: (error: unknown) => void } {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('BoundedQueue', () => {
  afterEach(() => jest.useRealTimers());

  it('runs at most `concurrency` tasks at once and starts waiting ones in order as slots free', async () => {
    const queue = new BoundedQueue({ concurrency: 2, maxWaiting: 10, maxWaitMs: 60_000 });
    const gates = [deferred<number>(), deferred<number>(), deferred<number>(), deferred<number>()];
    const started: number[] = [];
    const results = gates.map((gate, index) =>
      queue.run(() => {
        started.push(index);
        return gate.promise;
      }),
    );
    expect(started).toEqual([0, 1]);
    expect(queue.stats).toEqual({ running: 2, waiting: 2 });
    gates[1].resolve(1);
    await expect(results[1]).resolves.toBe(1);
    expect(started).toEqual([0, 1, 2]);
    gates[0].reject(new Error('boom'));
    await expect(results[0]).rejects.toThrow('boom');
    expect(started).toEqual([0, 1, 2, 3]);
    gates[2].resolve(2);
    gates[3].resolve(3);
    await expect(Promise.all(results.slice(2))).resolves.toEqual([2, 3]);
    expect(queue.stats).toEqual({ running: 0, waiting: 0 });
  });

  it('refuses at once when the waiting list is full', async () => {
    const queue = new BoundedQueue({ concurrency: 1, maxWaiting: 1, maxWaitMs: 60_000 });
    const gate = deferred<void>();
    const running = queue.run(() => gate.promise);
    const waiting = queue.run(async () => 'second');
    await expect(queue.run(async () => 'third')).rejects.toBeInstanceOf(QueueBusyError);
    gate.resolve();
    await running;
    await expect(waiting).resolves.toBe('second');
  });

  it('refuses a task that waited longer than maxWaitMs, and it never runs', async () => {
    jest.useFakeTimers();
    const queue = new BoundedQueue({ concurrency: 1, maxWaiting: 5, maxWaitMs: 1000 });
    const gate = deferred<void>();
    const running = queue.run(() => gate.promise);
    const late = jest.fn(async () => 'late');
    const waiting = queue.run(late);
    const refused = expect(waiting).rejects.toBeInstanceOf(QueueBusyError);
    jest.advanceTimersByTime(1001);
    await refused;
    expect(queue.stats).toEqual({ running: 1, waiting: 0 });
    gate.resolve();
    await running;
    expect(late).not.toHaveBeenCalled();
  });
});
