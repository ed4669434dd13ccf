// The worker app as apps/worker/src/main.ts starts it, with BullMQ's lock settings shortened
// (RELIABILITY_LOCK_MS, RELIABILITY_STALLED_INTERVAL_MS): a SIGKILLed worker's jobs come back
// in seconds instead of the production 30 s, so the quick crash test fits in CI. Only SIGKILL
// is sent to it, so it has no signal handling.
import { loadConfigOrExit } from '@herald/config';
import { createLogger } from '@herald/core';
import { registry } from '@herald/tasks';
import { startWorkerApp } from '@herald/worker';

const config = loadConfigOrExit();
const logger = createLogger({ level: config.LOG_LEVEL, name: 'herald-worker' });
await startWorkerApp({
  config,
  logger,
  registry,
  lockDuration: Number(process.env.RELIABILITY_LOCK_MS ?? 3_000),
  stalledInterval: Number(process.env.RELIABILITY_STALLED_INTERVAL_MS ?? 1_500),
});
