import {
  isPlainEmailAddress,
  type NotificationDelivery,
  type NotificationPreference,
  type TaskRun,
  type User,
} from '@herald/db';

const PLACEHOLDER_ADDRESS = /@placeholder\./i;

export type RecipientCheck =
  | {
      ok: true;
      run: TaskRun;
      address: string;
      /** How the mail greets them. */
      name: string | null;
      /** The user the mail is for, whose preferences its unsubscribe link changes; null: an address outside the users. */
      user: User | null;
    }
  | { ok: false; status: 'skipped' | 'failed'; reason: string; address?: string };

export interface RecipientRows {
  run: TaskRun | null;
  owner: User | null;
  /** The preferences of the user the delivery is for: the owner, or the user a named address belongs to. */
  preference: NotificationPreference | null;
  /** For a named address: the user of the run's organization it belongs to, if any. */
  addressUser?: User | null;
  /** For a named address: it is on the organization's suppression list. */
  isSuppressed?: boolean;
}

/**
 * Decides whether this delivery's recipient gets the mail (SPEC §4). A delivery without a
 * recipientAddress is for the run's owner; one with it is for that address, which follows its
 * user's preferences when it belongs to a user of the organization, else the organization's
 * suppression list. Skipped, with the reason recorded: no such run (or owner), system or
 * placeholder recipients, opted out, muted, suppressed. Failed: not one plain address.
 */
export function checkRecipient(delivery: NotificationDelivery, found: RecipientRows): RecipientCheck {
  const { run, owner, preference } = found;
  const skip = (reason: string): RecipientCheck => ({ ok: false, status: 'skipped', reason });
  if (!run) return skip(`Run ${delivery.runId} was not found in the organization`);
  if (delivery.recipientAddress) return checkNamedAddress(delivery.recipientAddress, run, found);
  if (!owner) return skip('Owner was not found in the organization');
  if (run.userId !== owner.id) return skip("Recipient is not the run's owner");
  if (owner.isSystem) return skip('Owner is a system user');
  const address = owner.email?.trim();
  if (!address) return skip('Owner has no e-mail address');
  if (PLACEHOLDER_ADDRESS.test(address)) return skip(`Owner address ${address} is a placeholder`);
  if (preference && !preference.emailEnabled) return skip('Owner opted out of e-mail notifications');
  if (preference?.mutedTasks.includes(run.task)) return skip(`Owner muted notifications for ${run.task}`);
  if (!isPlainEmailAddress(address)) {
    return {
      ok: false,
      status: 'failed',
      reason: `Owner address ${address} is not a valid e-mail address`,
      address,
    };
  }
  return { ok: true, run, address, name: owner.name, user: owner };
}

/** Its reasons leave the address out: the API and the console show reasons whole, addresses masked. */
function checkNamedAddress(address: string, run: TaskRun, found: RecipientRows): RecipientCheck {
  const { preference, addressUser = null, isSuppressed = false } = found;
  const skip = (reason: string): RecipientCheck => ({ ok: false, status: 'skipped', reason, address });
  if (addressUser?.isSystem) return skip('Recipient is a system user');
  if (PLACEHOLDER_ADDRESS.test(address)) return skip('Recipient address is a placeholder');
  if (addressUser && preference && !preference.emailEnabled)
    return skip('Recipient opted out of e-mail notifications');
  if (addressUser && preference?.mutedTasks.includes(run.task))
    return skip(`Recipient muted notifications for ${run.task}`);
  if (isSuppressed) return skip("Recipient unsubscribed from this organization's e-mails");
  if (!isPlainEmailAddress(address))
    return {
      ok: false,
      status: 'failed',
      reason: 'Recipient address is not a valid e-mail address',
      address,
    };
  return { ok: true, run, address, name: addressUser?.name ?? null, user: addressUser };
}
