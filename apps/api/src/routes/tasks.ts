import { Router } from 'express';
import { z } from 'zod';
import { MAX_TASK_ATTEMPTS, TERMINAL_STATUSES } from '@herald/core';
import { RunStatus } from '@herald/db';
import { AppError } from '../app-error';
import type { ApiContext } from '../api-context';
import { getAuth } from '../auth';
import { decodeCursor, deliveryView, encodeCursor, runView } from './run-view';

const submitSchema = z.object({
  task: z.string({ message: 'expected the task name, a string' }).min(1).max(200),
  input: z.unknown().optional(),
  options: z
    .object({
      delay: z
        .number()
        .int()
        .min(0)
        .max(30 * 24 * 3_600_000)
        .optional(),
      priority: z.number().int().min(1).max(2_097_152).optional(),
      attempts: z.number().int().min(1).max(MAX_TASK_ATTEMPTS).optional(),
    })
    .strict()
    .optional(),
});

const listSchema = z.object({
  status: z.enum(Object.values(RunStatus) as [string, ...string[]]).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().max(500).optional(),
});

const runId = z.string().min(1).max(100);

export function tasksRouter(ctx: ApiContext): Router {
  const router = Router();

  router.post('/tasks', async (req, res) => {
    const auth = getAuth(res);
    const body = submitSchema.parse(req.body ?? {});
    const { id } = await ctx.client.enqueue(body.task, body.input ?? {}, auth, body.options ?? {});
    res.status(202).location(`/api/tasks/${id}`).json({ id, task: body.task, status: 'queued' });
  });

  router.get('/tasks', async (req, res) => {
    const query = listSchema.parse(req.query);
    const cursor = query.cursor ? decodeCursor(query.cursor) : undefined;
    if (cursor === null)
      throw new AppError(400, 'invalid_request', 'The cursor is not valid', [
        { field: 'cursor', message: 'not a cursor this API returned' },
      ]);
    const runs = await ctx.db.tenant.taskRun.findMany({
      where: {
        ...(query.status ? { status: query.status as RunStatus } : {}),
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
    const id = runId.parse(req.params.id);
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
    const id = runId.parse(req.params.id);
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
