import { Router, type Response } from 'express';
import { z } from 'zod';
import { TERMINAL_STATUSES } from '@herald/core';
import { runInTenant, RunStatus, type Tenant } from '@herald/db';
import { errorMessageOf, verifyRunLinkToken } from '@herald/email';
import type { ApiContext } from '../api-context';
import { decodeCursor, deliveryView, encodeCursor } from '../routes/run-view';
import { navOf, requireCsrf, requireUser, sessionOf } from './session';
import { runTimeline } from './run-timeline';
import type { ConsoleViews } from './views';

const PAGE_SIZE = 25;
const STATUSES = Object.values(RunStatus);
const listSchema = z.object({
  status: z.enum(['', ...STATUSES] as [string, ...string[]]).optional(),
  task: z.string().trim().max(200).optional(),
  cursor: z.string().max(500).optional(),
});
const runIdSchema = z.string().min(1).max(100);

const isLive = (status: string) => !(TERMINAL_STATUSES as readonly string[]).includes(status);
const pretty = (value: unknown) =>
  value === null || value === undefined ? undefined : JSON.stringify(value, null, 2);
const when = (date: Date) =>
  date
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, ' UTC');

export function runsRouter(ctx: ApiContext, views: ConsoleViews): Router {
  const router = Router();
  const notFound = (res: Response) =>
    views.message(res, 404, {
      title: 'Run not found',
      message: 'There is no run with this id in your organization.',
      linkHref: '/app/runs',
      linkText: 'Your runs',
      nav: navOf(sessionOf(res)!),
    });

  router.get('/runs', requireUser, async (req, res) => {
    const session = sessionOf(res)!;
    const parsed = listSchema.safeParse(req.query);
    if (!parsed.success) {
      const field = String(parsed.error.issues[0]?.path[0] ?? 'query');
      views.message(res, 400, {
        title: 'Bad filter',
        message: `${field}: ${parsed.error.issues[0]?.message}`,
        linkHref: '/app/runs',
        linkText: 'All runs',
        nav: navOf(session),
      });
      return;
    }
    const { status, task, cursor: rawCursor } = parsed.data;
    const cursor = rawCursor ? decodeCursor(rawCursor) : undefined;
    if (cursor === null) {
      views.message(res, 400, {
        title: 'Bad page link',
        message: 'cursor: not a page this console made.',
        linkHref: '/app/runs',
        linkText: 'All runs',
        nav: navOf(session),
      });
      return;
    }
    const runs = await runInTenant(tenantOf(session.user!), () =>
      ctx.db.tenant.taskRun.findMany({
        where: {
          ...(status ? { status: status as RunStatus } : {}),
          ...(task ? { task } : {}),
          ...(cursor
            ? {
                OR: [
                  { createdAt: { lt: cursor.createdAt } },
                  { createdAt: cursor.createdAt, id: { lt: cursor.id } },
                ],
              }
            : {}),
        },
        orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
        take: PAGE_SIZE + 1,
        select: { id: true, task: true, status: true, createdAt: true },
      }),
    );
    const page = runs.slice(0, PAGE_SIZE);
    const last = page.at(-1);
    const query = (extra: Record<string, string>) =>
      `/app/runs?${new URLSearchParams({ ...(status ? { status } : {}), ...(task ? { task } : {}), ...extra }).toString()}`;
    views.send(res, 'runs', {
      title: 'Runs',
      nav: navOf(session),
      statuses: STATUSES.map((value) => ({ value, selected: value === status })),
      task,
      runs: page.map((run) => ({ ...run, createdAt: when(run.createdAt) })),
      hasLive: page.some((run) => isLive(run.status)),
      selfUrl: query(rawCursor ? { cursor: rawCursor } : {}),
      nextUrl: runs.length > PAGE_SIZE && last ? query({ cursor: encodeCursor(last) }) : undefined,
    });
  });

  router.get('/runs/:id', async (req, res) => {
    const id = runIdSchema.safeParse(req.params.id);
    const session = sessionOf(res);
    const token = typeof req.query.token === 'string' ? req.query.token : undefined;
    let tenant: Tenant | null = session?.user ? tenantOf(session.user) : null;
    let readOnly = false;
    if (!tenant && token) {
      const check = verifyRunLinkToken(token, ctx.config.HERALD_SECRET);
      if (!check.ok || check.scope.runId !== req.params.id) {
        views.message(res, 400, {
          title: check.ok || check.reason === 'invalid' ? 'This link is not valid' : 'This link has expired',
          message:
            'The link from your mail no longer opens this run. Sign in to see it: Herald mails you a new link.',
          offerSignIn: true,
        });
        return;
      }
      tenant = { organizationId: check.scope.organizationId, userId: '' };
      readOnly = true;
    }
    if (!tenant) return res.redirect(303, '/app/sign-in');
    if (!id.success) return notFound(res);
    const run = await runInTenant(tenant, async () => {
      const found = await ctx.db.tenant.taskRun.findUnique({
        where: { id: id.data },
        include: { deliveries: { orderBy: { createdAt: 'asc' } } },
      });
      if (!found) return null;
      const children = await ctx.db.tenant.taskRun.findMany({
        where: { parentId: found.id },
        orderBy: { createdAt: 'asc' },
        select: { id: true, task: true, status: true },
      });
      return { found, children };
    });
    if (!run)
      return readOnly
        ? views.message(res, 404, { title: 'Run not found', message: 'There is no such run.' })
        : notFound(res);
    const { found, children } = run;
    const live = isLive(found.status);
    const job = live ? await ctx.queues.tasks.getJob(found.id) : undefined;
    // A child opened from a mail link carries no token of its own: readers of the mail sign in to follow it.
    views.send(res, 'run', {
      title: `${found.task} · ${found.status}`,
      nav: readOnly ? undefined : navOf(session!),
      run: found,
      readOnly,
      isLive: live,
      selfUrl: `/app/runs/${encodeURIComponent(found.id)}${readOnly && token ? `?token=${encodeURIComponent(token)}` : ''}`,
      parentId: found.parentId,
      timeline: runTimeline(found).map((entry) => ({ ...entry, at: when(entry.at) })),
      progress: pretty(job?.progress ?? found.progress),
      input: pretty(found.input),
      result: pretty(found.result),
      errorMessage: errorMessageOf(found.error),
      children,
      deliveries: found.deliveries.map(deliveryView),
      canCancel:
        !readOnly && (found.status === 'queued' || found.status === 'running' || found.status === 'retrying'),
      csrf: session?.csrf,
    });
  });

  router.post('/runs/:id/cancel', requireUser, requireCsrf(views), async (req, res) => {
    const session = sessionOf(res)!;
    const tenant = tenantOf(session.user!);
    const id = String(req.params.id);
    const run =
      id.length <= 100
        ? await runInTenant(tenant, () =>
            ctx.db.tenant.taskRun.findUnique({ where: { id }, select: { id: true } }),
          )
        : null;
    if (!run) return notFound(res);
    await ctx.client.cancel(run.id, tenant);
    res.redirect(303, `/app/runs/${encodeURIComponent(run.id)}`);
  });

  return router;
}

export function tenantOf(user: { organizationId: string; id: string }): Tenant {
  return { organizationId: user.organizationId, userId: user.id };
}
