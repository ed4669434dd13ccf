import { loadConfigOrExit } from '@herald/config';
import { createLogger } from '@herald/core';
import { registry } from '@herald/tasks';
import { startApi } from './start-api';

const config = loadConfigOrExit();
const logger = createLogger({ level: config.LOG_LEVEL, name: 'herald-api' });
const api = await startApi({ config, logger, registry });

let stopping = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping: finishing in-flight requests');
    const force = setTimeout(() => process.exit(1), config.SHUTDOWN_GRACE_MS).unref();
    api
      .close()
      .then(() => {
        clearTimeout(force);
        process.exit(0);
      })
      .catch(() => process.exit(1));
  });
}
