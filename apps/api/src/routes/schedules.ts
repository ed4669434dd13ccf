import { Router } from 'express';
import type { Schedule } from '@herald/db';
import { AppError } from '../app-error';
import type { ApiContext } from '../api-context';
import { getAuth } from '../auth';
import { scheduleNameParamsSchema, scheduleSchema } from '../openapi/requests';
import { parseRequestPart } from '../parse-request';

const scheduleView = (schedule: Schedule, nextRunAt: Date | null) => ({
  name: schedule.name,
  task: schedule.task,
  input: schedule.input,
  cron: schedule.cron,
  everyMs: schedule.everyMs,
  timezone: schedule.timezone,
  kickoffTimeInput: schedule.kickoffTimeInput,
  nextRunAt,
  createdAt: schedule.createdAt,
  updatedAt: schedule.updatedAt,
});

export function schedulesRouter(ctx: ApiContext): Router {
  const router = Router();

  /** Creates or replaces the caller's organization's schedule of that name; runs as the caller. */
  router.post('/schedules', async (req, res) => {
    const body = scheduleSchema.parse(req.body ?? {});
    const schedule = await ctx.schedules.upsert({ ...body, input: body.input ?? {} }, getAuth(res));
    const nextRunAt = await ctx.schedules.nextRunAt(schedule.name, getAuth(res));
    res.status(201).location(`/api/schedules/${schedule.name}`).json(scheduleView(schedule, nextRunAt));
  });

  router.get('/schedules', async (_req, res) => {
    const tenant = getAuth(res);
    const schedules = await ctx.schedules.list(tenant);
    const nextRuns = await Promise.all(
      schedules.map((schedule) => ctx.schedules.nextRunAt(schedule.name, tenant)),
    );
    res.json({ data: schedules.map((schedule, i) => scheduleView(schedule, nextRuns[i] ?? null)) });
  });

  router.delete('/schedules/:name', async (req, res) => {
    const { name } = parseRequestPart(scheduleNameParamsSchema, req.params, 'path');
    if (!(await ctx.schedules.remove(name, getAuth(res)))) throw AppError.notFound('Schedule');
    res.status(204).end();
  });

  return router;
}
