import { createRequire } from 'node:module';
import cookieParser from 'cookie-parser';
import express, { Router } from 'express';
import type { ApiContext } from '../api-context';
import { brandingPageRouter } from './branding';
import { channelsPageRouter } from './channels';
import { preferencesPageRouter } from './preferences';
import { runsRouter } from './runs';
import { schedulesPageRouter } from './schedules';
import { loadSession, navOf, sessionOf } from './session';
import { signInRouter } from './sign-in';
import { ConsoleViews, PUBLIC_DIR } from './views';

export const CONSOLE_PATH = '/app';
const htmxPath = createRequire(import.meta.url).resolve('htmx.org/dist/htmx.min.js');

/**
 * The run console: server-rendered pages under /app for the people Herald notifies, signed in by
 * a mailed link. Every page reads through the tenant-scoped client, so another organization's run
 * is simply not found (404), never forbidden.
 */
export function consoleRouter(ctx: ApiContext): Router {
  const views = new ConsoleViews();
  const router = Router();
  router.get('/static/htmx.min.js', (_req, res) =>
    res.set('cache-control', 'public, max-age=86400').sendFile(htmxPath, { dotfiles: 'allow' }),
  );
  router.use('/static', express.static(PUBLIC_DIR, { maxAge: '1h', fallthrough: false }));
  router.use(express.urlencoded({ extended: false, limit: '16kb', parameterLimit: 50 }));
  router.use(cookieParser());
  router.use(loadSession(ctx.db, ctx.config));
  router.get('/', (_req, res) => res.redirect(303, '/app/runs'));
  router.use(signInRouter(ctx, views));
  router.use(runsRouter(ctx, views));
  router.use(preferencesPageRouter(ctx, views));
  router.use(schedulesPageRouter(ctx, views));
  router.use(channelsPageRouter(ctx, views));
  router.use(brandingPageRouter(ctx, views));
  router.use((_req, res) => {
    const session = sessionOf(res);
    views.message(res, 404, {
      title: 'Page not found',
      message: 'There is no such page.',
      linkHref: '/app/runs',
      linkText: 'Your runs',
      nav: session ? navOf(session) : undefined,
    });
  });
  router.use((error: unknown, _req: express.Request, res: express.Response, next: express.NextFunction) => {
    const status = (error as { status?: unknown }).status;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      views.message(res, status, {
        title: 'Bad request',
        message: status === 413 ? 'The form is too large.' : 'The request could not be read.',
      });
      return;
    }
    ctx.logger.error({ err: error }, 'console page failed');
    if (res.headersSent) return next(error);
    views.message(res, 500, {
      title: 'Something went wrong',
      message: 'Herald could not show this page. Try again in a moment.',
    });
  });
  return router;
}
