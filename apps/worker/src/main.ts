// Tracing first. An ES module's static imports are all loaded before its body runs, so the
// rest of the worker is imported dynamically, after instrument.ts has registered its hooks.
import { config, telemetry } from './instrument';

const { createLogger } = await import('@herald/core');
const { registry } = await import('@herald/tasks');
const { startWorkerApp } = await import('./start-worker');

const logger = createLogger({ level: config.LOG_LEVEL, name: 'herald-worker' });
if (telemetry.tracingEnabled) logger.info('OpenTelemetry tracing on');
for (const warning of config.warnings) logger.warn(warning);
const app = await startWorkerApp({ config, logger, registry, telemetry: telemetry.bullmqTelemetry });

let stopping = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal, graceMs: config.SHUTDOWN_GRACE_MS }, 'stopping: draining in-flight jobs');
    app
      .close()
      // Flushes the spans still buffered; an unreachable collector must not fail the stop.
      .then(() =>
        telemetry.shutdown().catch((error: unknown) => logger.warn({ err: error }, 'could not flush traces')),
      )
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
