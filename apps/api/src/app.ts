import express from 'express';
import { checkDependencies } from '@herald/core';
import type { ApiContext } from './api-context';
import { authenticate } from './auth';
import { mountDashboard } from './dashboard';
import { errorHandler, notFoundHandler } from './error-handler';
import { CONSOLE_PATH, consoleRouter } from './console';
import { createMetrics } from './metrics';
import { mountOpenApi } from './openapi/mount-openapi';
import { channelsRouter } from './routes/channels';
import { flowsRouter } from './routes/flows';
import { preferencesRouter } from './routes/preferences';
import { schedulesRouter } from './routes/schedules';
import { tasksRouter } from './routes/tasks';
import { templatesRouter } from './routes/templates';
import { testEmailRouter } from './routes/test-email';
import { unsubscribeRouter } from './routes/unsubscribe';

export const BODY_LIMIT = '256kb';

export function createApp(ctx: ApiContext): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 1);
  const metrics = createMetrics(ctx);
  app.use(metrics.observe);

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    const checks = await checkDependencies(ctx.store, ctx.db.pool);
    const ok = Object.values(checks).every(Boolean);
    res.status(ok ? 200 : 503).json({ status: ok ? 'ok' : 'unavailable', checks });
  });
  app.get('/metrics', async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });

  // Only the one-click unsubscribe POST is a form (RFC 8058); the API is JSON.
  app.use('/unsubscribe', express.urlencoded({ extended: false, limit: '4kb' }));
  app.use(unsubscribeRouter(ctx));
  mountDashboard(app, ctx);
  mountOpenApi(app, ctx.registry);
  app.use(CONSOLE_PATH, consoleRouter(ctx));

  app.use('/api', express.json({ limit: BODY_LIMIT, strict: true }));
  app.use('/api', authenticate(ctx.db, ctx.logger));
  app.use('/api', testEmailRouter(ctx));
  app.use('/api', tasksRouter(ctx));
  app.use('/api', flowsRouter(ctx));
  app.use('/api', templatesRouter(ctx));
  app.use('/api', preferencesRouter(ctx));
  app.use('/api', schedulesRouter(ctx));
  app.use('/api', channelsRouter(ctx));

  app.use(notFoundHandler);
  app.use(errorHandler(ctx.logger));
  return app;
}
