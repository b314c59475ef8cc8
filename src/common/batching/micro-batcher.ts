export interface MicroBatcherOptions {
  /** Items written by one statement at most. */
  maxBatch?: number;
  /** Statements in flight at once; items arriving meanwhile wait for the next one. */
  maxInFlight?: number;
}

/**
 * Group commit for one hot statement: items added during one turn of the event loop (and while earlier
 * statements are in flight) are written by a single statement. An idle batcher writes at the next
 * setImmediate, so a lone request waits only for its own round trip. `write` returns one result per item,
 * in order; if it throws, every item of that batch fails with the error and later batches are unaffected.
 */
export class MicroBatcher<Item, Result> {
  private readonly maxBatch: number;
  private readonly maxInFlight: number;
  private queue: Array<{ item: Item; resolve: (result: Result) => void; reject: (error: unknown) => void }> = [];
  private inFlight = 0;
  private scheduled = false;
  private idleWaiters: Array<() => void> = [];

  constructor(
    private readonly write: (items: Item[]) => Promise<Result[]>,
    options: MicroBatcherOptions = {},
  ) {
    this.maxBatch = options.maxBatch ?? 500;
    this.maxInFlight = options.maxInFlight ?? 2;
  }

  add(item: Item): Promise<Result> {
    return new Promise<Result>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      this.schedule();
    });
  }

  /** Resolves once every item added so far has been written (or failed); for shutdown. */
  drain(): Promise<void> {
    if (this.inFlight === 0 && this.queue.length === 0) return Promise.resolve();
    return new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  private schedule(): void {
    if (this.scheduled || this.inFlight >= this.maxInFlight || this.queue.length === 0) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.flush();
    });
  }

  private flush(): void {
    while (this.inFlight < this.maxInFlight && this.queue.length > 0) {
      const batch = this.queue.splice(0, this.maxBatch);
      this.inFlight += 1;
      this.run(batch).finally(() => {
        this.inFlight -= 1;
        this.schedule();
        if (this.inFlight === 0 && this.queue.length === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
      });
    }
  }

  private async run(batch: typeof this.queue): Promise<void> {
    try {
      const results = await this.write(batch.map((entry) => entry.item));
      if (results.length !== batch.length) throw new Error(`batch write returned ${results.length} results for ${batch.length} items`);
      batch.forEach((entry, index) => {
        entry.resolve(results[index]);
      });
    } catch (error) {
      for (const entry of batch) entry.reject(error);
    }
  }
}
