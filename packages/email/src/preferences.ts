import { runInTenant, type Database, type Tenant } from '@herald/db';
import { verifyUnsubscribeToken } from './unsubscribe-token';

/** A user's e-mail settings; a user without a stored row gets the defaults. */
export interface NotificationPreferences {
  emailEnabled: boolean;
  /** Task names the user gets no mail for. */
  mutedTasks: string[];
  /** "immediate", or "digest": one mail per window of digestWindowMinutes. */
  delivery: 'immediate' | 'digest';
  digestWindowMinutes: number;
}

export const DEFAULT_PREFERENCES: Readonly<NotificationPreferences> = Object.freeze({
  emailEnabled: true,
  mutedTasks: [],
  delivery: 'immediate',
  digestWindowMinutes: 60,
});

type PreferenceRow = {
  emailEnabled: boolean;
  mutedTasks: string[];
  delivery: string;
  digestWindowMinutes: number;
};

const view = (row: PreferenceRow): NotificationPreferences => ({
  emailEnabled: row.emailEnabled,
  mutedTasks: row.mutedTasks,
  delivery: row.delivery === 'digest' ? 'digest' : 'immediate',
  digestWindowMinutes: row.digestWindowMinutes,
});

const MAX_MUTED_TASKS = 200;

function normalizeMutedTasks(tasks: readonly string[]): string[] {
  const names = tasks.map((task) => task.trim()).filter((task) => task.length > 0 && task.length <= 200);
  return [...new Set(names)].slice(0, MAX_MUTED_TASKS);
}

/** The tenant user's preferences. */
export function getPreferences(db: Database, tenant: Tenant): Promise<NotificationPreferences> {
  return runInTenant(tenant, async () => {
    const row = await db.tenant.notificationPreference.findUnique({ where: { userId: tenant.userId } });
    return row ? view(row) : { ...DEFAULT_PREFERENCES, mutedTasks: [] };
  });
}

/** Changes the given fields of the tenant user's preferences and returns them all. */
export function updatePreferences(
  db: Database,
  tenant: Tenant,
  changes: Partial<NotificationPreferences>,
): Promise<NotificationPreferences> {
  return runInTenant(tenant, async () => {
    const data = {
      ...(changes.emailEnabled === undefined ? {} : { emailEnabled: changes.emailEnabled }),
      ...(changes.mutedTasks === undefined ? {} : { mutedTasks: normalizeMutedTasks(changes.mutedTasks) }),
      ...(changes.delivery === undefined ? {} : { delivery: changes.delivery }),
      ...(changes.digestWindowMinutes === undefined
        ? {}
        : { digestWindowMinutes: changes.digestWindowMinutes }),
    };
    const row = await db.tenant.notificationPreference.upsert({
      where: { userId: tenant.userId },
      // organizationId is set by the tenant-scoped client as well; it is named here for the types.
      create: { userId: tenant.userId, organizationId: tenant.organizationId, ...data },
      update: data,
    });
    return view(row);
  });
}

/**
 * One-click unsubscribe (RFC 8058): turns e-mail off for the user the token names, in the
 * organization it names; for an address that is not a user, puts it on the organization's
 * suppression list. False for a bad token, or a user or organization that is no longer there.
 */
export async function unsubscribe(db: Database, token: string, secret: string): Promise<boolean> {
  const scope = verifyUnsubscribeToken(token, secret);
  if (!scope) return false;
  if ('address' in scope) return suppressAddress(db, scope.organizationId, scope.address);
  const tenant: Tenant = { organizationId: scope.organizationId, userId: scope.userId };
  // Awaited inside the callback: a Prisma query runs when awaited, and must run inside the tenant context.
  const user = await runInTenant(
    tenant,
    async () => await db.tenant.user.findUnique({ where: { id: scope.userId }, select: { id: true } }),
  );
  if (!user) return false;
  await updatePreferences(db, tenant, { emailEnabled: false });
  return true;
}

/** Puts an address on the organization's suppression list (kept once); false when the organization is gone. */
export async function suppressAddress(
  db: Database,
  organizationId: string,
  address: string,
): Promise<boolean> {
  const { rows } = await db.pool.query<{ found: boolean }>(
    `WITH org AS (SELECT id FROM "Organization" WHERE id = $1), added AS (
       INSERT INTO "EmailSuppression" ("organizationId", address) SELECT id, $2 FROM org
       ON CONFLICT DO NOTHING
     )
     SELECT EXISTS (SELECT 1 FROM org) AS found`,
    [organizationId, address.toLowerCase()],
  );
  return rows[0]?.found ?? false;
}
