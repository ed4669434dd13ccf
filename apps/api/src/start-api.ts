import type { Server } from 'node:http';
import type { Telemetry } from 'bullmq';
import type { Logger } from 'pino';
import type { Config } from '@herald/config';
import { createDatabase } from '@herald/db';
import {
  createErrorLogger,
  createQueues,
  openQueueStore,
  RunLedger,
  ScheduleManager,
  TaskClient,
  type TaskRegistry,
} from '@herald/core';
import { createTransportFromConfig, TemplateRenderer } from '@herald/email';
import type { ApiContext } from './api-context';
import { createApp } from './app';

export interface ApiOptions {
  config: Config;
  logger: Logger;
  registry: TaskRegistry;
  /** BullMQ telemetry (startTelemetry's bullmqTelemetry): each enqueue continues the request's trace. */
  telemetry?: Telemetry;
}

/** Builds everything the API needs, once; close() releases it. */
export async function createApiContext({
  config,
  logger,
  registry,
  telemetry,
}: ApiOptions): Promise<ApiContext & { close(): Promise<void> }> {
  const db = createDatabase({ url: config.DATABASE_URL, poolSize: config.DATABASE_POOL_SIZE });
  const onError = createErrorLogger(logger);
  // Fail fast while the queue store is down: a request gets a 503 instead of hanging.
  const { store, choice } = await openQueueStore(config, {
    forWorker: false,
    onError: onError('queue store'),
  });
  logger.info({ queueBackend: choice.kind }, `queues on ${choice.kind} (${choice.reason})`);
  const queues = createQueues(store, telemetry, onError);
  const client = new TaskClient(registry, new RunLedger(db.pool), queues, { logger });
  const renderer = new TemplateRenderer();
  await renderer.compileAll();
  const transport = createTransportFromConfig(config);
  return {
    config,
    logger,
    db,
    store,
    queues,
    registry,
    client,
    schedules: new ScheduleManager(registry, queues, db),
    renderer,
    transport,
    async close() {
      await transport?.close();
      await queues.close();
      await store.close();
      await db.close();
    },
  };
}

export async function startApi(options: ApiOptions & { port?: number; host?: string }) {
  const ctx = await createApiContext(options);
  const app = createApp(ctx);
  const port = options.port ?? options.config.PORT;
  const host = options.host ?? options.config.HOST;
  const server = await new Promise<Server>((resolve, reject) => {
    const listening = app.listen(port, host, () => resolve(listening));
    listening.on('error', reject);
  });
  const address = server.address();
  const boundPort = typeof address === 'object' && address ? address.port : port;
  options.logger.info({ port: boundPort }, 'Herald API listening');
  return {
    server,
    port: boundPort,
    url: `http://127.0.0.1:${boundPort}`,
    ctx,
    /** Stops accepting, lets in-flight requests finish, then releases connections. */
    async close(): Promise<void> {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      await ctx.close();
    },
  };
}
