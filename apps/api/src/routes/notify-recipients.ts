import { normalizeRecipients } from '@herald/core';
import type { Tenant } from '@herald/db';
import { AppError } from '../app-error';
import type { ApiContext } from '../api-context';

const invalid = (message: string) =>
  new AppError(400, 'invalid_request', 'The request is invalid', [{ field: 'notify.to', message }]);

/**
 * The extra recipients a submission or a schedule asks for (`notify.to`, each entry already
 * checked by the request schema), or undefined when it asks for none. 400 when there are more
 * than NOTIFY_MAX_RECIPIENTS, or when the task sends no e-mail to add them to. An unknown task
 * is left to the enqueue, which names it.
 */
export function recipientsToAdd(
  ctx: ApiContext,
  notify: { to: string[] } | undefined,
  taskName: string,
): string[] | undefined {
  if (!notify) return undefined;
  const max = ctx.config.NOTIFY_MAX_RECIPIENTS;
  if (notify.to.length > max) throw invalid(`at most ${max} recipients, got ${notify.to.length}`);
  const task = ctx.registry.has(taskName) ? ctx.registry.get(taskName) : null;
  if (task && !task.notifications.some((rule) => rule.channel === 'email'))
    throw invalid(`task ${taskName} sends no e-mail notification to add recipients to`);
  return normalizeRecipients(notify.to);
}

/**
 * Only a run's owner or an admin of its organization may add recipients. A submission's owner
 * is its caller; replacing a schedule another user owns with recipients takes an admin (403
 * otherwise: the schedule is the caller's organization's, so it is no secret that it exists).
 */
export async function checkMayAddRecipients(
  ctx: ApiContext,
  tenant: Tenant,
  ownerId: string | undefined,
): Promise<void> {
  if (ownerId === undefined || ownerId === tenant.userId) return;
  const caller = await ctx.db.tenant.user.findUnique({
    where: { id: tenant.userId },
    select: { role: true },
  });
  if (caller?.role !== 'admin')
    throw new AppError(
      403,
      'forbidden',
      "Only the schedule's owner or an admin of the organization may add recipients to it",
    );
}
