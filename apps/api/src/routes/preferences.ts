import { Router } from 'express';
import { getPreferences, updatePreferences, type NotificationPreferences } from '@herald/email';
import type { ApiContext } from '../api-context';
import { getAuth } from '../auth';
import { preferencesUpdateSchema } from '../openapi/requests';

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
    const { email } = preferencesUpdateSchema.parse(req.body ?? {});
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
