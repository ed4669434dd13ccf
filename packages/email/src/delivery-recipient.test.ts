import type { NotificationDelivery, NotificationPreference, TaskRun, User } from '@herald/db';
import { describe, expect, it } from 'vitest';
import { checkRecipient } from './delivery-recipient';

const run = { id: 'run-1', organizationId: 'org', userId: 'owner', task: 'reports.build' } as TaskRun;
const owner = { id: 'owner', email: 'owner@acme.test', name: 'Owner', isSystem: false } as User;
const delivery = (recipientAddress: string | null) =>
  ({ runId: run.id, organizationId: 'org', userId: 'owner', recipientAddress }) as NotificationDelivery;
const preference = (fields: Partial<NotificationPreference>) =>
  ({ emailEnabled: true, mutedTasks: [], ...fields }) as NotificationPreference;

describe("a delivery's recipient", () => {
  it('is the owner when the delivery names no address, as before', () => {
    expect(checkRecipient(delivery(null), { run, owner, preference: null })).toMatchObject({
      ok: true,
      address: 'owner@acme.test',
      user: owner,
    });
    expect(
      checkRecipient(delivery(null), { run, owner, preference: preference({ emailEnabled: false }) }),
    ).toMatchObject({ ok: false, status: 'skipped', reason: 'Owner opted out of e-mail notifications' });
  });

  it('is the named address otherwise, with no user behind it unless one has that address', () => {
    expect(checkRecipient(delivery('ann@team.test'), { run, owner, preference: null })).toMatchObject({
      ok: true,
      address: 'ann@team.test',
      user: null,
    });
  });

  it("follows the preferences of the organization's user who has the address", () => {
    const cy = { id: 'cy', email: 'cy@acme.test', name: 'Cy', isSystem: false } as User;
    const found = { run, owner, addressUser: cy };
    expect(checkRecipient(delivery('cy@acme.test'), { ...found, preference: null })).toMatchObject({
      ok: true,
      name: 'Cy',
      user: cy,
    });
    expect(
      checkRecipient(delivery('cy@acme.test'), { ...found, preference: preference({ emailEnabled: false }) }),
    ).toMatchObject({
      ok: false,
      status: 'skipped',
      reason: 'Recipient opted out of e-mail notifications',
    });
    expect(
      checkRecipient(delivery('cy@acme.test'), {
        ...found,
        preference: preference({ mutedTasks: [run.task] }),
      }),
    ).toMatchObject({ ok: false, status: 'skipped' });
    expect(
      checkRecipient(delivery('cy@acme.test'), {
        ...found,
        addressUser: { ...cy, isSystem: true },
        preference: null,
      }),
    ).toMatchObject({ ok: false, status: 'skipped', reason: 'Recipient is a system user' });
  });

  it('skips a suppressed or placeholder address and fails one that is not one plain address', () => {
    const found = { run, owner, preference: null };
    expect(checkRecipient(delivery('ann@team.test'), { ...found, isSuppressed: true })).toMatchObject({
      ok: false,
      status: 'skipped',
      reason: "Recipient unsubscribed from this organization's e-mails",
    });
    expect(checkRecipient(delivery('bot@placeholder.test'), found)).toMatchObject({ status: 'skipped' });
    expect(checkRecipient(delivery('a@b.test,c@d.test'), found)).toMatchObject({ status: 'failed' });
    expect(checkRecipient(delivery('ann@team.test'), { ...found, run: null })).toMatchObject({
      status: 'skipped',
    });
  });
});
