import type pg from 'pg';
import { isPlainEmailAddress } from '@herald/db';
import type { NotificationPhase } from './constants';
import { retryWhileDatabaseDown } from './db-retry';
import type { NotificationRule } from './define-task';

/** The run's owner (the default recipient of a rule). */
export const OWNER_RECIPIENT = 'owner';
/** Every user of the run's organization whose role is admin. */
export const ORG_ADMINS_RECIPIENT = 'org-admins';

/** One plain address (no display name or list), as Herald mails it. */
export const isEmailAddress = isPlainEmailAddress;

const isKeyword = (entry: string) => entry === OWNER_RECIPIENT || entry === ORG_ADMINS_RECIPIENT;

/** Why one entry of a recipient list is not valid, or null when it is. */
export function recipientProblem(entry: unknown): string | null {
  if (typeof entry !== 'string')
    return `expected an e-mail address, '${OWNER_RECIPIENT}' or '${ORG_ADMINS_RECIPIENT}'`;
  if (isKeyword(entry.trim())) return null;
  if (!isEmailAddress(entry.trim())) return `"${entry}" is not one plain e-mail address (name@example.com)`;
  return null;
}

/** Trimmed, addresses lower-cased (one address, one delivery), repeats removed. */
export function normalizeRecipients(entries: readonly string[]): string[] {
  const normalized = entries.map((entry) =>
    isKeyword(entry.trim()) ? entry.trim() : entry.trim().toLowerCase(),
  );
  return [...new Set(normalized)];
}

/** Checks a rule's `to` where the rule is defined (`where` names the call); absent means the owner. */
export function checkRuleRecipients(value: unknown, where: string): string[] {
  if (value === undefined) return [OWNER_RECIPIENT];
  if (!Array.isArray(value) || value.length === 0)
    throw new Error(`${where}: to must be a non-empty list of e-mail addresses, 'owner' or 'org-admins'`);
  value.forEach((entry, index) => {
    const problem = recipientProblem(entry);
    if (problem) throw new Error(`${where}: to[${index}]: ${problem}`);
  });
  return normalizeRecipients(value as string[]);
}

/** A notification of a run's end for one recipient: `address` absent means the run's owner. */
export interface RunNotification {
  rule: NotificationRule;
  phase: NotificationPhase;
  attempt: number;
  address?: string;
}

/**
 * One notification per recipient: each rule's `to`, plus (for e-mail rules) the run's own extra
 * recipients. 'org-admins' becomes the admins' addresses; an address of the owner, or the owner
 * among the admins, folds into the owner's delivery, so nobody gets the same mail twice. Only a
 * run with more than its owner to mail costs a query.
 */
export async function addressNotifications(
  pool: pg.Pool,
  run: { organizationId: string; userId: string },
  notifications: readonly RunNotification[],
  extra: readonly string[] = [],
): Promise<RunNotification[]> {
  const wanted = (rule: NotificationRule) =>
    normalizeRecipients([...(rule.to ?? [OWNER_RECIPIENT]), ...(rule.channel === 'email' ? extra : [])]);
  const isOwnerOnly = notifications.every(({ rule }) => wanted(rule).every((e) => e === OWNER_RECIPIENT));
  if (isOwnerOnly) return [...notifications];
  const { rows } = await retryWhileDatabaseDown(() =>
    pool.query<{ id: string; email: string | null; role: string }>(
      `SELECT id, lower(email) AS email, role FROM "User"
       WHERE "organizationId" = $1 AND (id = $2 OR (role = 'admin' AND email IS NOT NULL AND NOT "isSystem"))`,
      [run.organizationId, run.userId],
    ),
  );
  const ownerEmail = rows.find((user) => user.id === run.userId)?.email ?? null;
  const admins = rows
    .filter((user) => user.role === 'admin' && user.email)
    .map((user) => (user.id === run.userId ? null : user.email));
  return notifications.flatMap((notification) => {
    const addresses = new Set<string | null>();
    for (const entry of wanted(notification.rule)) {
      if (entry === OWNER_RECIPIENT) addresses.add(null);
      else if (entry === ORG_ADMINS_RECIPIENT) admins.forEach((address) => addresses.add(address));
      else addresses.add(entry === ownerEmail ? null : entry);
    }
    return [...addresses].map((address) => (address ? { ...notification, address } : notification));
  });
}
