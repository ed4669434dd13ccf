import { timingSafeEqual } from 'node:crypto';
import type express from 'express';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import type { ApiContext } from './api-context';

export const DASHBOARD_PATH = '/admin/queues';

function isSameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Bull Board at /admin/queues, only when ADMIN_TOKEN is set. Browsers sign in with HTTP Basic
 * (any user name, the admin token as password); scripts may send `Authorization: Bearer`.
 */
export function mountDashboard(app: express.Express, ctx: Pick<ApiContext, 'config' | 'queues'>): void {
  const token = ctx.config.ADMIN_TOKEN;
  if (!token) return;
  const serverAdapter = new ExpressAdapter();
  serverAdapter.setBasePath(DASHBOARD_PATH);
  createBullBoard({
    queues: [new BullMQAdapter(ctx.queues.tasks), new BullMQAdapter(ctx.queues.notifications)],
    serverAdapter,
    options: { uiConfig: { boardTitle: 'Herald queues' } },
  });
  app.use(
    DASHBOARD_PATH,
    (req, res, next) => {
      const header = req.headers.authorization ?? '';
      const bearer = /^Bearer (.+)$/.exec(header)?.[1];
      const basic = /^Basic (.+)$/.exec(header)?.[1];
      const password = basic ? Buffer.from(basic, 'base64').toString('utf8').split(':').slice(1).join(':') : bearer;
      if (password && isSameSecret(password, token)) return next();
      res.set('www-authenticate', 'Basic realm="Herald dashboard"').status(401).json({
        error: { code: 'unauthorized', message: 'The admin token is required' },
      });
    },
    serverAdapter.getRouter() as express.Router,
  );
}
