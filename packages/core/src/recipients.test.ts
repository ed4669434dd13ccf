import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineTask } from './define-task';
import { emailNotification, notify } from './email-notification';
import { isEmailAddress, normalizeRecipients, recipientProblem } from './recipients';

const task = () => defineTask({ name: 'reports.build', input: z.object({}), run: async () => ({}) });

describe('rule recipients', () => {
  it("default to the owner; take addresses, 'owner' and 'org-admins', lower-cased and once each", () => {
    expect(emailNotification({ template: 'task-completion' })(task()).notifications[0]!.to).toBeUndefined();
    const rule = emailNotification({
      template: 'task-completion',
      to: ['Ann@Team.test', 'ann@team.test', 'owner', 'org-admins'],
    })(task()).notifications[0]!;
    expect(rule.to).toEqual(['ann@team.test', 'owner', 'org-admins']);
  });

  it('refuse a bad address at definition time, naming its index', () => {
    expect(() =>
      emailNotification({ template: 'task-completion', to: ['a@b.test', 'Ann <ann@x.test>'] }),
    ).toThrow(
      `notify('email'): to[1]: "Ann <ann@x.test>" is not one plain e-mail address (name@example.com)`,
    );
    expect(() => emailNotification({ template: 'task-completion', to: [] })).toThrow(/non-empty list/);
    expect(() => notify('slack', { template: 'task-completion', to: ['a@b.test'] })).toThrow(
      /e-mail rules only/,
    );
  });

  it('are checked one by one', () => {
    expect(isEmailAddress('ann@team.test')).toBe(true);
    for (const bad of ['ann', 'ann@team', 'a@b.test,c@d.test', 'a b@c.test', `${'a'.repeat(250)}@b.test`])
      expect(isEmailAddress(bad)).toBe(false);
    expect(recipientProblem(42)).toMatch(/expected an e-mail address/);
    expect(normalizeRecipients([' X@Y.test ', 'x@y.test'])).toEqual(['x@y.test']);
  });
});
