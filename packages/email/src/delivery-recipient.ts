import type { NotificationDelivery, NotificationPreference, TaskRun, User } from '@herald/db';

const PLACEHOLDER_ADDRESS = /@placeholder\./i;
/** One plain address: no display name, list or comment that could add a second recipient. */
const SINGLE_ADDRESS = /^[^\s@<>,;:"()[\]\\]+@[^\s@<>,;:"()[\]\\]+\.[^\s@<>,;:"()[\]\\]+$/;

export type RecipientCheck =
  | { ok: true; run: TaskRun; owner: User; address: string }
  | { ok: false; status: 'skipped' | 'failed'; reason: string; address?: string };

/**
 * Decides whether the run's owner gets this mail (SPEC §4). Skipped, with the reason recorded:
 * no such run or owner in the organization, system or placeholder owners, owners who opted out
 * or muted the task. Failed: an address that is not one plain address.
 */
export function checkRecipient(
  delivery: NotificationDelivery,
  found: { run: TaskRun | null; owner: User | null; preference: NotificationPreference | null },
): RecipientCheck {
  const { run, owner, preference } = found;
  const skip = (reason: string): RecipientCheck => ({ ok: false, status: 'skipped', reason });
  if (!run) return skip(`Run ${delivery.runId} was not found in the organization`);
  if (!owner) return skip('Owner was not found in the organization');
  if (run.userId !== owner.id) return skip("Recipient is not the run's owner");
  if (owner.isSystem) return skip('Owner is a system user');
  const address = owner.email?.trim();
  if (!address) return skip('Owner has no e-mail address');
  if (PLACEHOLDER_ADDRESS.test(address)) return skip(`Owner address ${address} is a placeholder`);
  if (preference && !preference.emailEnabled) return skip('Owner opted out of e-mail notifications');
  if (preference?.mutedTasks.includes(run.task)) return skip(`Owner muted notifications for ${run.task}`);
  if (!SINGLE_ADDRESS.test(address)) {
    return {
      ok: false,
      status: 'failed',
      reason: `Owner address ${address} is not a valid e-mail address`,
      address,
    };
  }
  return { ok: true, run, owner, address };
}
