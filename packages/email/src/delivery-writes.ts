import type { Database, NotificationDelivery } from '@herald/db';
import type { DeliveryOutcome } from './delivery-outcome';
import { HandOver, NOW_UTC } from './hand-over';

/**
 * Claims this attempt: of two workers holding the same pending row, only one gets to send.
 * True when this worker got it.
 */
export async function claimDelivery(
  pool: Database['pool'],
  delivery: NotificationDelivery,
): Promise<boolean> {
  const claim = await pool.query({
    name: 'herald_delivery_claim',
    text: `UPDATE "NotificationDelivery" SET attempts = attempts + 1, "updatedAt" = ${NOW_UTC}
       WHERE id = $1 AND "organizationId" = $2 AND status = 'pending' AND attempts = $3 AND "messageId" IS NULL`,
    values: [delivery.id, delivery.organizationId, delivery.attempts],
  });
  return claim.rowCount !== 0;
}

/** The hand-over mark of a claimed delivery: only the claim made by this attempt (attempts + 1) marks the row. */
export function createDeliveryHandOver(pool: Database['pool'], delivery: NotificationDelivery): HandOver {
  return new HandOver(
    pool,
    {
      name: 'herald_delivery_hand_over',
      text: `UPDATE "NotificationDelivery" SET "messageId" = $3, "updatedAt" = ${NOW_UTC}
       WHERE id = $1 AND "organizationId" = $2 AND status = 'pending' AND attempts = $4`,
    },
    (handedOver) => [delivery.id, delivery.organizationId, handedOver, delivery.attempts + 1],
  );
}

export interface RecordedOutcome {
  status: 'sent' | 'skipped' | 'failed';
  reason: string | null;
  address?: string;
  messageId?: string;
  sentAt?: Date;
}

/** Writes an outcome, only over a row that is still pending. Only a sent row keeps a message id. */
export async function recordDelivery(
  pool: Database['pool'],
  delivery: NotificationDelivery,
  data: RecordedOutcome,
): Promise<DeliveryOutcome> {
  const { rowCount } = await pool.query({
    name: 'herald_delivery_record',
    text: `UPDATE "NotificationDelivery" SET status = $3::"DeliveryStatus", reason = $4, address = COALESCE($5, address),
         "messageId" = CASE WHEN $3::"DeliveryStatus" = 'sent' THEN COALESCE($6, "messageId") END, "sentAt" = COALESCE($7::timestamptz AT TIME ZONE 'UTC', "sentAt"),
         "updatedAt" = ${NOW_UTC}
       WHERE id = $1 AND "organizationId" = $2 AND status = 'pending'`,
    values: [
      delivery.id,
      delivery.organizationId,
      data.status,
      data.reason,
      data.address ?? null,
      data.messageId ?? null,
      data.sentAt ?? null,
    ],
  });
  if (rowCount === 0 && data.status !== 'sent')
    return { status: 'already-done', reason: 'Delivery was completed by another worker' };
  return {
    status: data.status,
    ...(data.reason ? { reason: data.reason } : {}),
    ...(data.messageId ? { messageId: data.messageId } : {}),
  };
}
