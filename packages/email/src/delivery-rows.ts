import type { Database, NotificationDelivery, NotificationPreference, TaskRun, User } from '@herald/db';
import { NOW_UTC } from './hand-over';

const DATE_FIELDS = ['createdAt', 'updatedAt', 'startedAt', 'finishedAt', 'sentAt'];

/** A row read with to_jsonb, typed as Prisma would return it: its UTC timestamps made Dates again. */
function withDates<Row>(json: Record<string, unknown> | null | undefined): Row | null {
  if (!json) return null;
  for (const field of DATE_FIELDS) {
    const value = json[field];
    if (typeof value === 'string') json[field] = new Date(`${value}Z`);
  }
  return json as Row;
}

export interface DeliveryRows {
  delivery: NotificationDelivery | null;
  run: TaskRun | null;
  preference: NotificationPreference | null;
  /** For a delivery to a named address: the user of the organization it belongs to, if any. */
  addressUser: User | null;
  /** For a delivery to a named address: it is on the organization's suppression list. */
  isSuppressed: boolean;
  /** How long ago the row last changed, by PostgreSQL's clock: for a handed-over row, the age of the mark. */
  ageMs: number;
}

/**
 * The delivery, its run and its recipient's preferences, in one statement (the hot path of every
 * mail: raw SQL, a fraction of the CPU of three Prisma queries). For a named address, also the
 * user it belongs to (whose preferences apply) and whether it is suppressed. Everything is
 * joined within the delivery's organization, as the tenant-scoped client would filter it:
 * a row of another organization is never found. Not cached: an opt-out, a mute or an
 * unsubscribe applies to the very next mail.
 */
export async function findDeliveryRows(pool: Database['pool'], id: string): Promise<DeliveryRows> {
  const { rows } = await pool.query<
    Record<'delivery' | 'run' | 'preference' | 'address_user', Record<string, unknown> | null> & {
      age_ms: number;
      suppressed: boolean;
    }
  >({
    name: 'herald_delivery_find_recipient',
    text: `SELECT to_jsonb(d) AS delivery, to_jsonb(r) AS run, to_jsonb(p) AS preference, to_jsonb(u) AS address_user,
         s.address IS NOT NULL AS suppressed,
         (EXTRACT(EPOCH FROM ${NOW_UTC} - d."updatedAt") * 1000)::float8 AS age_ms
       FROM "NotificationDelivery" d
       LEFT JOIN "TaskRun" r ON r.id = d."runId" AND r."organizationId" = d."organizationId"
       LEFT JOIN LATERAL (
         SELECT * FROM "User" WHERE "organizationId" = d."organizationId" AND lower(email) = d."recipientAddress"
         ORDER BY "createdAt" LIMIT 1
       ) u ON d."recipientAddress" IS NOT NULL
       LEFT JOIN "NotificationPreference" p ON p."userId" = (CASE WHEN d."recipientAddress" IS NULL THEN d."userId" ELSE u.id END)
         AND p."organizationId" = d."organizationId"
       LEFT JOIN "EmailSuppression" s ON s."organizationId" = d."organizationId" AND s.address = d."recipientAddress"
       WHERE d.id = $1`,
    values: [id],
  });
  const row = rows[0];
  return {
    delivery: withDates<NotificationDelivery>(row?.delivery),
    run: withDates<TaskRun>(row?.run),
    preference: withDates<NotificationPreference>(row?.preference),
    addressUser: withDates<User>(row?.address_user),
    isSuppressed: row?.suppressed ?? false,
    ageMs: row?.age_ms ?? 0,
  };
}
