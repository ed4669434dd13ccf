import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { defineTask } from './define-task';
import { emailNotification } from './email-notification';

/** Runs one simulated test: passes or fails as its input says, optionally after a sleep. */
export const executeTest = defineTask({
  name: 'tests.execute',
  input: z.object({
    testId: z.string().min(1).max(200),
    name: z.string().max(500).optional(),
    outcome: z.enum(['pass', 'fail']).default('pass'),
    failAttempts: z.number().int().min(0).max(20).optional(),
    sleepMs: z.number().int().min(0).max(600_000).optional(),
  }),
  attempts: 3,
  backoff: { type: 'fixed', delay: 200 },
  run: async (input, ctx) => {
    if (input.sleepMs) await sleep(input.sleepMs, undefined, { signal: ctx.signal });
    if (input.failAttempts && ctx.attempt <= input.failAttempts) {
      throw new Error(
        `Test ${input.testId} failed on attempt ${ctx.attempt} (set to fail ${input.failAttempts} times)`,
      );
    }
    if (input.outcome === 'fail') throw new Error(`Test ${input.name ?? input.testId} failed`);
    return { testId: input.testId, name: input.name ?? input.testId, passed: true };
  },
});

/** The first line of an error, short enough for a list item. */
function firstLine(error: string | undefined): string {
  const line = (error ?? '').trim().split('\n')[0]?.trim() ?? '';
  return line.length > 300 ? `${line.slice(0, 299)}…` : line;
}

/**
 * The chord callback of a test run: totals and the failed tests, mailed as one summary. Its
 * subject is the template's, which speaks of the tests ("Nightly: 8 of 10 passed, 2 failed").
 */
export const collectResults = emailNotification({ template: 'test-execution-summary' })(
  defineTask({
    name: 'tests.collect_results',
    title: '{{test_set_name}}',
    input: z.object({
      test_set_name: z.string().min(1).max(200),
      test_run_id: z.string().max(200).optional(),
    }),
    run: async (input, ctx) => {
      const children = ctx.children ?? [];
      const failed = children.filter((child) => child.status === 'failed');
      return {
        total_tests: children.length,
        tests_passed: children.length - failed.length,
        tests_failed: failed.length,
        test_set_name: input.test_set_name,
        test_run_id: input.test_run_id ?? ctx.runId,
        failed_tests: failed.map((child) => {
          const test = child.input as { name?: string; testId?: string } | undefined;
          return test?.name ?? test?.testId ?? child.runId;
        }),
        // In the same order as failed_tests: why each one failed, in one line.
        failed_test_errors: failed.map((child) => firstLine(child.error)),
      };
    },
  }),
);

/** Sends the caller a task-completion mail: proves their notifications work end to end. */
export const emailNotificationTest = emailNotification({ template: 'task-completion' })(
  defineTask({
    name: 'email_notification_test',
    title: 'Your Herald test e-mail',
    input: z.object({ message: z.string().max(2_000).optional() }),
    run: async (input) => ({ message: input.message ?? 'Your Herald notifications work.' }),
  }),
);

export const BUILTIN_TASKS = [executeTest, collectResults, emailNotificationTest] as const;
