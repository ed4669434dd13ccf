import { Router } from 'express';
import { emailNotificationTest } from '@herald/core';
import { AppError } from '../app-error';
import type { ApiContext } from '../api-context';
import { getAuth } from '../auth';
import { testEmailSchema } from '../openapi/requests';

/** Runs the built-in test task for the caller; its mail can only go to the caller. */
export function testEmailRouter(ctx: ApiContext): Router {
  const router = Router();
  router.post('/tasks/email-notification-test', async (req, res) => {
    const auth = getAuth(res);
    const body = testEmailSchema.parse(req.body ?? {});
    const limit = await ctx.store.hitRateLimit(
      `${ctx.queues.prefix}:rate:test-email:${auth.userId}`,
      ctx.config.TEST_EMAIL_RATE_LIMIT,
      ctx.config.TEST_EMAIL_RATE_WINDOW_SECONDS,
    );
    if (!limit.allowed) {
      throw new AppError(429, 'rate_limited', 'Too many test e-mails; try again later', undefined, {
        'retry-after': String(limit.retryAfterSeconds),
      });
    }
    const { id } = await ctx.client.enqueue(emailNotificationTest.name, body, auth);
    res
      .status(202)
      .location(`/api/tasks/${id}`)
      .json({ id, task: emailNotificationTest.name, status: 'queued' });
  });
  return router;
}
