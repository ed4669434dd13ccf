import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineTask } from './define-task';
import { notify } from './email-notification';

const task = defineTask({ name: 'reports.build', input: z.object({}), run: async () => ({}) });
const rule = { template: 'task-completion' };

describe('notify', () => {
  it('takes a channel kind, or a kind and a channel name', () => {
    for (const channel of ['email', 'slack', 'slack:alerts', 'pagerduty:on-call_2', 'webhook:ops'])
      expect(notify(channel, rule)(task).notifications.map((r) => r.channel)).toEqual([channel]);
  });

  it('refuses a misspelt channel when the task is defined, saying what it expects', () => {
    for (const channel of ['', 'Slack', 'slack:', 'slack:Alerts', 'slack alerts', 'slack:a:b', 'email:ops'])
      expect(() => notify(channel, rule), channel).toThrow(/expected a channel kind such as "slack"/);
  });
});
