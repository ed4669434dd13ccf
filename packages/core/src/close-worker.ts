import type { Worker } from 'bullmq';

/**
 * Stops a worker taking jobs and waits up to graceMs for the running ones. Past that it closes
 * by force: the unfinished jobs' locks lapse and another worker takes them (stalled recovery).
 */
export async function closeWithGrace(worker: Worker, graceMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = await Promise.race([
    worker.close().then(() => false),
    new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(true), graceMs);
    }),
  ]);
  clearTimeout(timer);
  if (timedOut) await worker.close(true);
}
