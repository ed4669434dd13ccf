import { Router, type Response } from 'express';
import type { ApiContext } from '../api-context';
import { tenantOf } from './runs';
import { navOf, requireCsrf, requireUser, sessionOf, type ConsoleSessionState } from './session';
import type { ConsoleViews } from './views';

const MAX_NAME_LENGTH = 100;
const utc = (date: Date) =>
  date
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, ' UTC');

/** The organization's schedules: list, pause, resume and delete. */
export function schedulesPageRouter(ctx: ApiContext, views: ConsoleViews): Router {
  const router = Router();
  const notFound = (res: Response, session: ConsoleSessionState) =>
    views.message(res, 404, {
      title: 'Schedule not found',
      message: 'Your organization has no schedule of this name.',
      linkHref: '/app/schedules',
      linkText: 'Schedules',
      nav: navOf(session),
    });

  router.get('/schedules', requireUser, async (_req, res) => {
    const session = sessionOf(res)!;
    const schedules = await ctx.schedules.list(tenantOf(session.user!));
    const nextRuns = await Promise.all(schedules.map((schedule) => ctx.schedules.plannedRuns(schedule, 1)));
    views.send(res, 'schedules', {
      title: 'Schedules',
      nav: navOf(session),
      csrf: session.csrf,
      schedules: schedules.map((schedule, i) => ({
        name: schedule.name,
        task: schedule.task,
        paused: schedule.paused,
        nextRun: nextRuns[i]?.[0] ? utc(nextRuns[i][0]) : undefined,
        when: schedule.cron
          ? `${schedule.cron}${schedule.timezone ? ` (${schedule.timezone})` : ''}`
          : `every ${schedule.everyMs ?? '?'} ms`,
      })),
    });
  });

  for (const action of ['pause', 'resume'] as const) {
    router.post(`/schedules/:name/${action}`, requireUser, requireCsrf(views), async (req, res) => {
      const session = sessionOf(res)!;
      const name = String(req.params.name);
      const schedule =
        name.length <= MAX_NAME_LENGTH && (await ctx.schedules[action](name, tenantOf(session.user!)));
      if (!schedule) return notFound(res, session);
      res.redirect(303, '/app/schedules');
    });
  }

  router.post('/schedules/:name/delete', requireUser, requireCsrf(views), async (req, res) => {
    const session = sessionOf(res)!;
    const name = String(req.params.name);
    const removed =
      name.length <= MAX_NAME_LENGTH && (await ctx.schedules.remove(name, tenantOf(session.user!)));
    if (!removed) return notFound(res, session);
    res.redirect(303, '/app/schedules');
  });

  return router;
}
