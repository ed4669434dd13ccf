import { Router } from 'express';
import { z } from 'zod';
import { getPreferences, updatePreferences, type NotificationPreferences } from '@herald/email';
import type { ApiContext } from '../api-context';
import { getAuth } from '../auth';

const updateSchema = z
  .object({
    email: z
      .object({
        enabled: z.boolean().optional(),
        mutedTasks: z.array(z.string().min(1).max(200)).max(200).optional(),
        delivery: z.enum(['immediate', 'digest']).optional(),
        digestWindowMinutes: z.number().int().min(1).max(7 * 24 * 60).optional(),
      })
      .strict(),
  })
  .strict();

const preferencesView = (preferences: NotificationPreferences) => ({
  email: {
    enabled: preferences.emailEnabled,
    mutedTasks: preferences.mutedTasks,
    delivery: preferences.delivery,
    digestWindowMinutes: preferences.digestWindowMinutes,
  },
});

export function preferencesRouter(ctx: ApiContext): Router {
  const router = Router();

  router.get('/me/notification-preferences', async (_req, res) => {
    res.json(preferencesView(await getPreferences(ctx.db, getAuth(res))));
  });

  router.put('/me/notification-preferences', async (req, res) => {
    const { email } = updateSchema.parse(req.body ?? {});
    const updated = await updatePreferences(ctx.db, getAuth(res), {
      emailEnabled: email.enabled,
      mutedTasks: email.mutedTasks,
      delivery: email.delivery,
      digestWindowMinutes: email.digestWindowMinutes,
    });
    res.json(preferencesView(updated));
  });

  return router;
}
