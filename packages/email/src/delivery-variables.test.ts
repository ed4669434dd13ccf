import { describe, expect, it } from 'vitest';
import type { TaskRun } from '@herald/db';
import { buildDeliveryVariables } from './delivery-variables';

const run = (overrides: Partial<TaskRun>): TaskRun =>
  ({
    id: 'run-1',
    task: 'reports.build',
    attempts: 1,
    maxAttempts: 3,
    result: null,
    error: null,
    startedAt: new Date('2026-01-01T10:00:00Z'),
    finishedAt: new Date('2026-01-01T10:02:45Z'),
    ...overrides,
  }) as TaskRun;

describe('buildDeliveryVariables', () => {
  it('a retrying mail says when the next attempt is due', () => {
    const vars = buildDeliveryVariables({
      run: run({ attempts: 1, error: { message: 'boom', nextAttemptAt: '2026-01-01T10:05:00.000Z' } }),
      owner: { name: 'Ada' },
      phase: 'retrying',
      frontendUrl: 'https://app.test',
    });
    expect(vars.notice).toMatch(/^Attempt 1 of 3 failed; the next attempt is due at .*10:05:00/);
  });

  it('a recovery says how long it was failing', () => {
    const vars = buildDeliveryVariables({
      run: run({}),
      owner: { name: 'Ada' },
      phase: 'succeeded',
      frontendUrl: 'https://app.test',
      context: { alert: 'recovery', failing_for_ms: 165_000 },
    });
    expect(vars.notice).toBe('Recovered: it had been failing for 2m 45s.');
    expect(vars.execution_time).toBe('2m 45s');
  });

  it('an ordinary end has no notice', () => {
    expect(buildDeliveryVariables({ run: run({}), owner: { name: null }, phase: 'succeeded', frontendUrl: 'x' }).notice).toBeUndefined();
  });
});
