import { Router } from 'express';
import type { Schedule } from '@herald/db';
import { AppError } from '../app-error';
import type { ApiContext } from '../api-context';
import { getAuth } from '../auth';
import { scheduleNameParamsSchema, scheduleSchema } from '../openapi/requests';
import { parseRequestPart } from '../parse-request';
import { checkMayAddRecipients, recipientsToAdd } from './notify-recipients';

const scheduleView = (schedule: Schedule, nextRuns: Date[]) => ({
  name: schedule.name,
  task: schedule.task,
  input: schedule.input,
  cron: schedule.cron,
  everyMs: schedule.everyMs,
  timezone: schedule.timezone,
  kickoffTimeInput: schedule.kickoffTimeInput,
  paused: schedule.paused,
  notifyTo: Array.isArray(schedule.notifyTo) ? (schedule.notifyTo as string[]) : [],
  nextRunAt: nextRuns[0] ?? null,
  nextRuns,
  createdAt: schedule.createdAt,
  updatedAt: schedule.updatedAt,
});

export function schedulesRouter(ctx: ApiContext): Router {
  const router = Router();

  /** Creates or replaces the caller's organization's schedule of that name; runs as the caller. */
  router.post('/schedules', async (req, res) => {
    const { notify, ...body } = scheduleSchema.parse(req.body ?? {});
    const notifyTo = recipientsToAdd(ctx, notify, body.task);
    if (notifyTo) {
      const existing = await ctx.db.tenant.schedule.findFirst({ where: { name: body.name } });
      await checkMayAddRecipients(ctx, getAuth(res), existing?.userId);
    }
    const schedule = await ctx.schedules.upsert({ ...body, input: body.input ?? {}, notifyTo }, getAuth(res));
    const nextRuns = await ctx.schedules.plannedRuns(schedule);
    res.status(201).location(`/api/schedules/${schedule.name}`).json(scheduleView(schedule, nextRuns));
  });

  router.get('/schedules', async (_req, res) => {
    const tenant = getAuth(res);
    const schedules = await ctx.schedules.list(tenant);
    const nextRuns = await Promise.all(schedules.map((schedule) => ctx.schedules.plannedRuns(schedule)));
    res.json({ data: schedules.map((schedule, i) => scheduleView(schedule, nextRuns[i] ?? [])) });
  });

  /** Pause and resume answer with the schedule's view; doing either twice changes nothing. */
  for (const action of ['pause', 'resume'] as const) {
    router.post(`/schedules/:name/${action}`, async (req, res) => {
      const { name } = parseRequestPart(scheduleNameParamsSchema, req.params, 'path');
      const schedule = await ctx.schedules[action](name, getAuth(res));
      if (!schedule) throw AppError.notFound('Schedule');
      res.json(scheduleView(schedule, await ctx.schedules.plannedRuns(schedule)));
    });
  }

  router.delete('/schedules/:name', async (req, res) => {
    const { name } = parseRequestPart(scheduleNameParamsSchema, req.params, 'path');
    if (!(await ctx.schedules.remove(name, getAuth(res)))) throw AppError.notFound('Schedule');
    res.status(204).end();
  });

  return router;
}
