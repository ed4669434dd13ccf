import { z } from 'zod';
import { alertPolicy, defineTask, emailNotification, notify } from '@herald/core';

const SUBJECT = 'Check {{task_name}}: {{status}}';

/**
 * An example of a recurring check with change-only alerting: the owner hears of the first
 * outcome, of every change between OK and FAIL (the recovery says how long it was failing), and
 * of a failure that goes on past an hour; repeats in between are silent. It alerts by e-mail,
 * and on Slack and PagerDuty when the organization has connected them.
 */
export const monitoringCheck = alertPolicy({ silentSeconds: 3_600, okSilentHours: 24 })(
  notify('pagerduty', { template: 'task-completion', subject: SUBJECT, on: ['failed', 'timed_out', 'succeeded'] })(
    notify('slack', { template: 'task-completion', subject: SUBJECT })(
      emailNotification({ template: 'task-completion', subject: SUBJECT })(
        defineTask({
          name: 'monitoring.check',
          input: z.object({
            target: z.string().min(1).max(500),
            /** Simulates the check's outcome. */
            healthy: z.boolean().default(true),
          }),
          run: async (input) => {
            if (!input.healthy) throw new Error(`${input.target} did not answer`);
            return { target: input.target, healthy: true };
          },
        }),
      ),
    ),
  ),
);
