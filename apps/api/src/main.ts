// Tracing first. An ES module's static imports are all loaded before its body runs, so the
// rest of the API is imported dynamically, after instrument.ts has registered its hooks.
import { config, telemetry } from './instrument';

const { createLogger } = await import('@herald/core');
const { registry } = await import('@herald/tasks');
const { startApi } = await import('./start-api');

const logger = createLogger({ level: config.LOG_LEVEL, name: 'herald-api' });
if (telemetry.tracingEnabled) logger.info('OpenTelemetry tracing on');
for (const warning of config.warnings) logger.warn(warning);
const api = await startApi({ config, logger, registry, telemetry: telemetry.bullmqTelemetry });

let stopping = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping: finishing in-flight requests');
    const force = setTimeout(() => process.exit(1), config.SHUTDOWN_GRACE_MS).unref();
    api
      .close()
      // Flushes the spans still buffered; an unreachable collector must not fail the stop.
      .then(() =>
        telemetry.shutdown().catch((error: unknown) => logger.warn({ err: error }, 'could not flush traces')),
      )
      .then(() => {
        clearTimeout(force);
        process.exit(0);
      })
      .catch(() => process.exit(1));
  });
}
