import { Router } from 'express';
import { z } from 'zod';
import { runInTenant } from '@herald/db';
import { getPreferences, updatePreferences } from '@herald/email';
import type { ApiContext } from '../api-context';
import { tenantOf } from './runs';
import { navOf, requireCsrf, requireUser, sessionOf } from './session';
import type { ConsoleViews } from './views';

const formSchema = z.object({
  enabled: z.literal('on').optional(),
  mutedTasks: z.string().max(10_000, 'at most 10000 characters').default(''),
  delivery: z.enum(['immediate', 'digest'], { message: 'expected immediate or digest' }),
  digestWindowMinutes: z.coerce
    .number({ message: 'expected a number of minutes' })
    .int()
    .min(1)
    .max(7 * 24 * 60),
});

/** "My notifications": the signed-in user's own e-mail preferences. */
export function preferencesPageRouter(ctx: ApiContext, views: ConsoleViews): Router {
  const router = Router();

  const show = async (
    res: Parameters<typeof views.send>[0],
    extra: { saved?: boolean; fieldError?: string },
    status = 200,
  ) => {
    const session = sessionOf(res)!;
    const prefs = await getPreferences(ctx.db, tenantOf(session.user!));
    views.send(
      res,
      'preferences',
      {
        title: 'My notifications',
        nav: navOf(session),
        csrf: session.csrf,
        prefs,
        muted: prefs.mutedTasks.join('\n'),
        immediate: prefs.delivery !== 'digest',
        ...extra,
      },
      status,
    );
  };

  router.get('/preferences', requireUser, async (_req, res) => show(res, {}));

  router.post('/preferences', requireUser, requireCsrf(views), async (req, res) => {
    const parsed = formSchema.safeParse(req.body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      return show(res, { fieldError: `${String(issue?.path[0] ?? 'form')}: ${issue?.message}` }, 400);
    }
    const muted = parsed.data.mutedTasks
      .split(/\r?\n/)
      .map((line) => line.trim())
      .filter(Boolean);
    if (muted.length > 200 || muted.some((name) => name.length > 200))
      return show(res, { fieldError: 'mutedTasks: at most 200 task names of 200 characters' }, 400);
    const tenant = tenantOf(sessionOf(res)!.user!);
    await runInTenant(tenant, () =>
      updatePreferences(ctx.db, tenant, {
        emailEnabled: parsed.data.enabled === 'on',
        mutedTasks: muted,
        delivery: parsed.data.delivery,
        digestWindowMinutes: parsed.data.digestWindowMinutes,
      }),
    );
    return show(res, { saved: true });
  });

  return router;
}
