import type { Database, NotificationDelivery } from '@herald/db';
import type { Logger } from 'pino';
import type { DeliverAttempt, DeliveryOutcome } from './delivery-outcome';
import { claimDelivery, createDeliveryHandOver, recordDelivery } from './delivery-writes';
import { TransientDeliveryError } from './errors';
import { classifySendError } from './send-errors';
import { sendTraced } from './traced-send';
import type { OutgoingMail, Transport } from './transport';

/** Tries to record a sent mail for about two minutes before leaving it to the outbox sweep. */
const RECORD_SENT_ATTEMPTS = 30;

export interface DeliverySend {
  db: Database;
  transport: Transport;
  delivery: NotificationDelivery;
  /** The rendered mail, addressed to the delivery's recipient; the hand-over is added here. */
  mail: Omit<OutgoingMail, 'prepareHandOver'>;
  attempt: DeliverAttempt;
  /** The delivery's logger, made when first asked for. */
  log: () => Logger;
}

/**
 * Claims a pending delivery, hands its mail to the SMTP server with the hand-over mark
 * (hand-over.ts), and records what happened. A failed send is recorded as failed when it is
 * permanent or the last attempt, else thrown as a TransientDeliveryError for the queue to retry.
 * A mail the server took is never thrown for: that would send it twice.
 */
export async function sendWithHandOver(send: DeliverySend): Promise<DeliveryOutcome> {
  const { db, transport, delivery, mail, attempt, log } = send;
  const address = mail.to.address;
  if (!(await claimDelivery(db.pool, delivery)))
    return { status: 'already-done', reason: 'Another worker claimed this delivery' };

  let messageId: string;
  const handOver = createDeliveryHandOver(db.pool, delivery);
  try {
    ({ messageId } = await sendTraced(
      transport,
      { ...mail, prepareHandOver: (handedOver) => handOver.prepare(handedOver) },
      {
        deliveryId: delivery.id,
        runId: delivery.runId,
        template: delivery.template,
        attempt: attempt.attempt,
      },
    ));
  } catch (error) {
    // The server did not take the mail: the hand-over mark, if written, is cleared below.
    await handOver.ended();
    const { kind, reason } = classifySendError(error);
    if (kind === 'permanent') return recordDelivery(db.pool, delivery, { status: 'failed', reason, address });
    if (attempt.attempt >= attempt.maxAttempts) {
      return recordDelivery(db.pool, delivery, {
        status: 'failed',
        reason: `Gave up after ${attempt.maxAttempts} attempts: ${reason}`,
        address,
      });
    }
    await db.tenant.notificationDelivery.updateMany({
      where: { id: delivery.id, status: 'pending' },
      data: { reason, address, messageId: null },
    });
    throw new TransientDeliveryError(delivery.id, reason, { cause: error });
  }

  // The mail is out: keep trying to record it (PostgreSQL may be down for a while). Throwing
  // would make the queue retry and send it twice. If it still cannot be written, the job ends
  // as `sent` and the outbox sweep records the row from the job's outcome.
  const sentAt = new Date();
  const mark = await handOver.ended();
  if (mark.error)
    log().warn({ err: mark.error, messageId }, 'could not mark the hand-over; recording the mail as sent');
  else if (!mark.rows) log().warn({ messageId }, 'another worker took this delivery during the send');
  for (let recordAttempt = 1; ; recordAttempt++) {
    try {
      await recordDelivery(db.pool, delivery, { status: 'sent', reason: null, address, messageId, sentAt });
      break;
    } catch (error) {
      if (recordAttempt >= RECORD_SENT_ATTEMPTS) {
        log().error({ err: error, messageId }, 'e-mail sent but recording it failed');
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, Math.min(500 * recordAttempt, 5_000)));
    }
  }
  return { status: 'sent', messageId };
}
