export interface BatcherOptions {
  /** At most this many items per batch. */
  maxSize: number;
  /** At most this many batches written at once; items that arrive meanwhile wait for the next. */
  maxInFlight: number;
}

interface Pending<Item, Result> {
  item: Item;
  resolve: (result: Result) => void;
  reject: (error: unknown) => void;
}

/**
 * Groups single writes into one statement. Each add() resolves with its own item's result.
 * When a batch fails, its items are tried one by one, so one bad item cannot fail the others.
 *
 * No timer: a batch leaves at the end of the event-loop turn in which its first item arrived,
 * unless maxInFlight batches are already being written; then items gather until one of those
 * returns. A lone write waits for nothing, and under load the batches grow by themselves to what
 * arrives during one round trip (one commit, one WAL flush) instead of to a fixed wait.
 */
export class Batcher<Item, Result> {
  private queue: Pending<Item, Result>[] = [];
  private inFlight = 0;
  private isScheduled = false;

  constructor(
    private readonly flushBatch: (items: Item[]) => Promise<Result[]>,
    private readonly options: BatcherOptions,
  ) {}

  add(item: Item): Promise<Result> {
    return new Promise<Result>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      if (this.queue.length >= this.options.maxSize) this.flush();
      else if (!this.isScheduled) {
        this.isScheduled = true;
        setImmediate(() => {
          this.isScheduled = false;
          this.flush();
        });
      }
    });
  }

  private flush(): void {
    while (this.queue.length && this.inFlight < this.options.maxInFlight) {
      const batch = this.queue.splice(0, this.options.maxSize);
      this.inFlight++;
      void this.run(batch).finally(() => {
        this.inFlight--;
        this.flush();
      });
    }
  }

  private async run(batch: Pending<Item, Result>[]): Promise<void> {
    try {
      const results = await this.flushBatch(batch.map((pending) => pending.item));
      batch.forEach((pending, index) => pending.resolve(results[index] as Result));
    } catch (error) {
      if (batch.length === 1) {
        batch[0]?.reject(error);
        return;
      }
      await Promise.all(batch.map((pending) => this.run([pending])));
    }
  }
}
