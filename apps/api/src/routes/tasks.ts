import { Router } from 'express';
import { TERMINAL_STATUSES } from '@herald/core';
import type { RunStatus } from '@herald/db';
import { AppError } from '../app-error';
import type { ApiContext } from '../api-context';
import { getAuth } from '../auth';
import { listRunsQuerySchema, runIdParamsSchema, submitTaskSchema } from '../openapi/requests';
import { parseRequestPart } from '../parse-request';
import { decodeCursor, deliveryView, encodeCursor, runView } from './run-view';
import { recipientsToAdd } from './notify-recipients';

export function tasksRouter(ctx: ApiContext): Router {
  const router = Router();

  router.post('/tasks', async (req, res) => {
    const auth = getAuth(res);
    const body = submitTaskSchema.parse(req.body ?? {});
    // The caller owns the run a submission makes, so may add recipients to it (see notify-recipients.ts).
    const notifyTo = recipientsToAdd(ctx, body.notify, body.task);
    const { id } = await ctx.client.enqueue(body.task, body.input ?? {}, auth, {
      ...body.options,
      ...(notifyTo ? { notifyTo } : {}),
    });
    res.status(202).location(`/api/tasks/${id}`).json({ id, task: body.task, status: 'queued' });
  });

  router.get('/tasks', async (req, res) => {
    const query = parseRequestPart(listRunsQuerySchema, req.query, 'query');
    const cursor = query.cursor ? decodeCursor(query.cursor) : undefined;
    if (cursor === null)
      throw new AppError(400, 'invalid_request', 'The cursor is not valid', [
        { field: 'cursor', message: 'not a cursor this API returned', in: 'query' },
      ]);
    const runs = await ctx.db.tenant.taskRun.findMany({
      where: {
        ...(query.status ? { status: query.status satisfies RunStatus } : {}),
        ...(cursor
          ? {
              // The bound on createdAt alone is what the index can seek to; the OR only breaks ties.
              // Without it a deep cursor walks every newer run of the organization first.
              createdAt: { lte: cursor.createdAt },
              OR: [
                { createdAt: { lt: cursor.createdAt } },
                { createdAt: cursor.createdAt, id: { lt: cursor.id } },
              ],
            }
          : {}),
      },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take: query.limit + 1,
    });
    const page = runs.slice(0, query.limit);
    const last = page.at(-1);
    res.json({
      data: page.map((run) => runView(run)),
      nextCursor: runs.length > query.limit && last ? encodeCursor(last) : null,
    });
  });

  router.get('/tasks/:id', async (req, res) => {
    const { id } = parseRequestPart(runIdParamsSchema, req.params, 'path');
    const run = await ctx.db.tenant.taskRun.findUnique({
      where: { id },
      include: { deliveries: { orderBy: { createdAt: 'asc' } } },
    });
    if (!run) throw AppError.notFound('Run');
    const isLive = !(TERMINAL_STATUSES as readonly string[]).includes(run.status);
    const job = isLive ? await ctx.queues.tasks.getJob(id) : undefined;
    res.json({ ...runView(run, job?.progress), notifications: run.deliveries.map(deliveryView) });
  });

  router.post('/tasks/:id/cancel', async (req, res) => {
    const auth = getAuth(res);
    const { id } = parseRequestPart(runIdParamsSchema, req.params, 'path');
    const run = await ctx.db.tenant.taskRun.findUnique({ where: { id }, select: { id: true, status: true } });
    if (!run) throw AppError.notFound('Run');
    if ((TERMINAL_STATUSES as readonly string[]).includes(run.status)) {
      throw new AppError(409, 'already_finished', `The run has already ended (${run.status})`);
    }
    const outcome = await ctx.client.cancel(id, auth);
    if (outcome === 'already-finished')
      throw new AppError(409, 'already_finished', 'The run has already ended');
    res.status(202).json({ id, status: outcome === 'cancelled' ? 'cancelled' : 'cancelling' });
  });

  return router;
}
