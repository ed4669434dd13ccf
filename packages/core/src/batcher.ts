export interface BatcherOptions {
  /** Flush when this many items wait. */
  maxSize: number;
  /** Flush at the latest this long after the first item arrived. */
  maxWaitMs: number;
}

interface Pending<Item, Result> {
  item: Item;
  resolve: (result: Result) => void;
  reject: (error: unknown) => void;
}

/**
 * Groups single writes into one statement. Each add() resolves with its own item's result.
 * When a batch fails, its items are tried one by one, so one bad item cannot fail the others.
 */
export class Batcher<Item, Result> {
  private queue: Pending<Item, Result>[] = [];
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly flushBatch: (items: Item[]) => Promise<Result[]>,
    private readonly options: BatcherOptions,
  ) {}

  add(item: Item): Promise<Result> {
    return new Promise<Result>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      if (this.queue.length >= this.options.maxSize) this.flush();
      else this.timer ??= setTimeout(() => this.flush(), this.options.maxWaitMs);
    });
  }

  private flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const batch = this.queue;
    this.queue = [];
    if (batch.length) void this.run(batch);
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
