import { Router } from 'express';
import type { ApiContext } from '../api-context';
import { tenantOf } from './runs';
import { navOf, requireCsrf, requireUser, sessionOf } from './session';
import type { ConsoleViews } from './views';

/** The organization's schedules: list and delete (pausing needs support in the scheduler first). */
export function schedulesPageRouter(ctx: ApiContext, views: ConsoleViews): Router {
  const router = Router();

  router.get('/schedules', requireUser, async (_req, res) => {
    const session = sessionOf(res)!;
    const schedules = await ctx.schedules.list(tenantOf(session.user!));
    views.send(res, 'schedules', {
      title: 'Schedules',
      nav: navOf(session),
      csrf: session.csrf,
      schedules: schedules.map((schedule) => ({
        name: schedule.name,
        task: schedule.task,
        when: schedule.cron
          ? `${schedule.cron}${schedule.timezone ? ` (${schedule.timezone})` : ''}`
          : `every ${schedule.everyMs ?? '?'} ms`,
      })),
    });
  });

  router.post('/schedules/:name/delete', requireUser, requireCsrf(views), async (req, res) => {
    const session = sessionOf(res)!;
    const name = String(req.params.name);
    const removed = name.length <= 100 && (await ctx.schedules.remove(name, tenantOf(session.user!)));
    if (!removed) {
      views.message(res, 404, {
        title: 'Schedule not found',
        message: 'Your organization has no schedule of this name.',
        linkHref: '/app/schedules',
        linkText: 'Schedules',
        nav: navOf(session),
      });
      return;
    }
    res.redirect(303, '/app/schedules');
  });

  return router;
}
