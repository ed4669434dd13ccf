import { loadConfigOrExit } from '@herald/config';
import { createLogger } from '@herald/core';
import { registry } from '@herald/tasks';
import { startWorkerApp } from './start-worker';

const config = loadConfigOrExit();
const logger = createLogger({ level: config.LOG_LEVEL, name: 'herald-worker' });
const app = await startWorkerApp({ config, logger, registry });

let stopping = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal, graceMs: config.SHUTDOWN_GRACE_MS }, 'stopping: draining in-flight jobs');
    app
      .close()
      .then(() => {
        logger.info('worker stopped');
        process.exit(0);
      })
      .catch((error: unknown) => {
        logger.error({ err: error }, 'unclean stop');
        process.exit(1);
      });
  });
}
