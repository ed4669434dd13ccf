import { createHmac, randomBytes } from 'node:crypto';
import { fillSubject, runLink, variables, type MessageContext } from './messages';
import { runErrorOf } from './run-error';

export const SIGNATURE_HEADER = 'herald-signature';
export const DELIVERY_HEADER = 'herald-delivery';

/**
 * What a generic webhook receives: the run, the phase it is about and, for a failure, the error
 * with the first lines of its stack. `deliveryId` is the same on every retry of one notification,
 * so a receiver can drop a repeat.
 */
export function webhookPayload(ctx: MessageContext) {
  const { delivery, run } = ctx;
  return {
    type: `run.${delivery.phase}`,
    deliveryId: delivery.id,
    organizationId: run.organizationId,
    subject: fillSubject(delivery.subject, variables(ctx)),
    run: {
      id: run.id,
      task: run.task,
      title: run.title ?? run.task,
      status: run.status,
      phase: delivery.phase,
      attempts: run.attempts,
      scheduleName: run.scheduleName,
      createdAt: run.createdAt.toISOString(),
      finishedAt: run.finishedAt?.toISOString() ?? null,
      url: runLink(ctx),
      result: run.result ?? null,
    },
    error: runErrorOf(run),
  };
}

/**
 * `Herald-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">` (Stripe's scheme): the
 * receiver recomputes it over the raw body with the channel's secret, and refuses an old `t`, so a
 * captured request cannot be replayed later. Signed again on every attempt.
 */
export function signWebhook(secret: string, body: string, now = new Date()): string {
  const timestamp = Math.floor(now.getTime() / 1000);
  const signature = createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
  return `t=${timestamp},v1=${signature}`;
}

/** A new channel secret, for an organization that did not choose its own. */
export function generateWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64url')}`;
}
