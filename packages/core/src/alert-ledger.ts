import type pg from 'pg';
import { decideAlert, type AlertOutcome, type AlertPolicy } from './alert-policy';
import { TERMINAL_STATUSES } from './constants';
import { retryWhileDatabaseDown } from './db-retry';
import { attemptEndOf, endedOpenAttempt } from './ledger-attempts';
import {
  deliveryIdFor,
  idempotencyKey,
  type PendingDelivery,
  type RunEnd,
  type RunEndOutcome,
} from './ledger';

const TERMINAL = `(${TERMINAL_STATUSES.map((status) => `'${status}'`).join(',')})`;
const json = (value: unknown) => (value === undefined ? null : JSON.stringify(value));

export function alertOutcomeOf(status: RunEnd['status']): AlertOutcome | null {
  if (status === 'succeeded') return 'ok';
  if (status === 'failed' || status === 'timed_out') return 'fail';
  return null;
}

/**
 * Records a run's end under a change-only alert policy, in one transaction: the run's final
 * state, the alert state (row-locked, so two workers ending runs of the same task at once
 * decide one after the other: one alert per change) and the deliveries, if it alerts.
 */
export function endRunWithAlertPolicy(
  pool: pg.Pool,
  run: RunEnd,
  policy: AlertPolicy,
  key: string,
): Promise<RunEndOutcome> {
  const outcome = alertOutcomeOf(run.status);
  if (!outcome) throw new Error(`endRunWithAlertPolicy: ${run.status} is not an OK/FAIL outcome`);
  return retryWhileDatabaseDown(async () => {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      const updated = await client.query(
        `UPDATE "TaskRun" SET status = $2::"RunStatus", result = $3::jsonb, error = $4::jsonb, attempts = $5,
           progress = COALESCE($6::jsonb, progress), title = COALESCE($7, title), "finishedAt" = now(), "updatedAt" = now(),
           "attemptLog" = ${endedOpenAttempt('"attemptLog"', '$8::jsonb')}
         WHERE id = $1 AND status NOT IN ${TERMINAL}`,
        [
          run.id,
          run.status,
          json(run.result),
          json(run.error),
          run.attempts,
          json(run.progress),
          run.title ?? null,
          attemptEndOf(run),
        ],
      );
      if (!updated.rowCount) {
        await client.query('COMMIT');
        return { updated: false, deliveries: [] };
      }
      await client.query(
        `INSERT INTO "AlertState" ("organizationId", key, "updatedAt") VALUES ($1, $2, now()) ON CONFLICT DO NOTHING`,
        [run.organizationId, key],
      );
      const { rows } = await client.query<{
        lastOutcome: string | null;
        lastAlertAt: Date | null;
        failingSince: Date | null;
      }>(
        `SELECT "lastOutcome", "lastAlertAt", "failingSince" FROM "AlertState" WHERE "organizationId" = $1 AND key = $2 FOR UPDATE`,
        [run.organizationId, key],
      );
      const now = new Date();
      const decision = decideAlert(
        rows[0] ?? { lastOutcome: null, lastAlertAt: null, failingSince: null },
        outcome,
        now,
        policy,
      );
      await client.query(
        `UPDATE "AlertState" SET "lastOutcome" = $3, "lastAlertAt" = $4, "failingSince" = $5, "updatedAt" = now()
         WHERE "organizationId" = $1 AND key = $2`,
        [
          run.organizationId,
          key,
          decision.next.lastOutcome,
          decision.next.lastAlertAt,
          decision.next.failingSince,
        ],
      );
      const deliveries: PendingDelivery[] = [];
      if (decision.alert) {
        const context = {
          alert: decision.kind,
          alert_key: key,
          ...(decision.failingForMs !== undefined ? { failing_for_ms: decision.failingForMs } : {}),
        };
        for (const { rule, phase, attempt, address } of run.notifications) {
          const recipient = address ?? run.userId;
          const idempotency = idempotencyKey(run.id, phase, attempt, rule.channel, recipient);
          const inserted = await client.query<PendingDelivery>(
            `INSERT INTO "NotificationDelivery" (id, "runId", "organizationId", "userId", channel, template, subject, phase, recipient, "idempotencyKey", context, "recipientAddress")
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $11, $9, $10::jsonb, $12) ON CONFLICT ("runId", "idempotencyKey") DO NOTHING RETURNING id, channel`,
            [
              deliveryIdFor(idempotency),
              run.id,
              run.organizationId,
              run.userId,
              rule.channel,
              rule.template,
              rule.subject,
              phase,
              idempotency,
              JSON.stringify(context),
              recipient,
              address ?? null,
            ],
          );
          deliveries.push(...inserted.rows);
        }
      }
      await client.query('COMMIT');
      return { updated: true, deliveries };
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  });
}
