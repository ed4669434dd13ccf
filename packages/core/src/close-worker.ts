import type { Worker } from 'bullmq';

/**
 * Stops a worker taking jobs and waits up to graceMs for the running ones. Past that it stops
 * waiting: the caller closes the connections and the process ends, the unfinished jobs' locks
 * lapse and another worker takes them (stalled recovery).
 */
export async function closeWithGrace(worker: Worker, graceMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const closing = worker.close();
  const timedOut = await Promise.race([
    closing.then(() => false),
    new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(true), graceMs);
    }),
  ]);
  clearTimeout(timer);
  // Not close(true): BullMQ keeps the first close() call, so a forced one would only wait on the
  // same drain, for as long as the longest job runs.
  if (timedOut) closing.catch(() => undefined);
}
