/** Thrown when a BoundedQueue's waiting list is full, or a task waited longer than the queue allows. */
export class QueueBusyError extends Error {
  override readonly name = 'QueueBusyError';
}

export interface BoundedQueueOptions {
  /** Tasks running at once. */
  concurrency: number;
  /** Tasks allowed to wait for a slot; one more is refused at once. */
  maxWaiting: number;
  /** A task that has not started after this long is refused instead. */
  maxWaitMs: number;
}

interface Waiter {
  start(): void;
  refuse(): void;
  timer: NodeJS.Timeout;
}

/**
 * Expensive work (argon2) with bounded concurrency and a bounded, time-limited waiting list: a flood gets a
 * fast refusal instead of an ever-longer queue, and the work never holds more than `concurrency` of libuv's
 * thread pool, which also signs tokens (OWASP ASVS 4 V11.1.4, "anti-automation").
 */
export class BoundedQueue {
  private running = 0;
  private readonly waiting: Waiter[] = [];

  constructor(private readonly options: BoundedQueueOptions) {}

  get stats(): { running: number; waiting: number } {
    return { running: this.running, waiting: this.waiting.length };
  }

  run<T>(task: () => Promise<T>): Promise<T> {
    if (this.running < this.options.concurrency) return this.execute(task);
    if (this.waiting.length >= this.options.maxWaiting) return Promise.reject(new QueueBusyError('queue full'));
    return new Promise<T>((resolve, reject) => {
      const waiter: Waiter = {
        start: () => {
          clearTimeout(waiter.timer);
          this.execute(task).then(resolve, reject);
        },
        refuse: () => reject(new QueueBusyError('waited too long')),
        timer: setTimeout(() => {
          const index = this.waiting.indexOf(waiter);
          if (index >= 0) this.waiting.splice(index, 1);
          waiter.refuse();
        }, this.options.maxWaitMs),
      };
      waiter.timer.unref?.();
      this.waiting.push(waiter);
    });
  }

  private async execute<T>(task: () => Promise<T>): Promise<T> {
    this.running += 1;
    try {
      return await task();
    } finally {
      this.running -= 1;
      this.waiting.shift()?.start();
    }
  }
}
