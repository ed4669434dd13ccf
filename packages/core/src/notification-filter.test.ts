import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { alertKeyFor, alertPolicy, MAX_ALERT_KEY_LENGTH } from './alert-policy';
import { defineTask } from './define-task';
import { emailNotification, notify } from './email-notification';
import { matchesOnlyErrors, notificationsFor } from './notification-filter';
import { errorNamesOf, errorRecord } from './run-error';

class TimeoutError extends Error {
  override name = 'TimeoutError';
}

const base = defineTask({
  name: 'filters.demo',
  input: z.object({ target: z.string() }),
  run: async () => 1,
});

describe('onlyErrors', () => {
  it('matches the error or any error in its cause chain, as the run records it', () => {
    const wrapped = new Error('report failed', {
      cause: new Error('query failed', { cause: new TimeoutError('slow') }),
    });
    const recorded = errorRecord(wrapped);
    expect(recorded).toEqual({
      name: 'Error',
      message: 'report failed',
      cause: { name: 'Error', message: 'query failed', cause: { name: 'TimeoutError', message: 'slow' } },
    });
    expect(errorNamesOf(recorded)).toEqual(['Error', 'Error', 'TimeoutError']);
    expect(matchesOnlyErrors(['TimeoutError'], 'failed', recorded)).toBe(true);
    expect(matchesOnlyErrors(['TimeoutError'], 'retrying', errorRecord(new Error('x')))).toBe(false);
  });

  it('keeps a circular cause chain finite', () => {
    const a = new Error('a');
    const b = new Error('b', { cause: a });
    Object.assign(a, { cause: b });
    expect(errorRecord(a)).toEqual({ name: 'Error', message: 'a', cause: { name: 'Error', message: 'b' } });
  });

  it('leaves succeeded and cancelled unfiltered', () => {
    const task = notify('slack', {
      template: 't',
      on: ['succeeded', 'cancelled', 'failed'],
      onlyErrors: ['X'],
    })(base);
    expect(notificationsFor(task, 'succeeded', 1, undefined)).toHaveLength(1);
    expect(notificationsFor(task, 'cancelled', 1, { name: 'RunCancelledError' })).toHaveLength(1);
    expect(notificationsFor(task, 'failed', 1, { name: 'Y' })).toHaveLength(0);
    expect(matchesOnlyErrors(['X'], 'retrying', undefined)).toBe(true);
    expect(matchesOnlyErrors(['X'], 'failed', undefined)).toBe(false);
    expect(notificationsFor(task, 'failed', 1, { name: 'Y', cause: { name: 'X' } })).toHaveLength(1);
  });

  it('is checked where the rule or policy is defined', () => {
    expect(() => emailNotification({ template: 't', onlyErrors: [] })).toThrow(
      /onlyErrors must be a non-empty list/,
    );
    expect(() => emailNotification({ template: 't', onlyErrors: ['ok', ' '] })).toThrow(
      /onlyErrors\[1\] must be a non-empty string/,
    );
    expect(() => alertPolicy({ silentSeconds: 0, okSilentHours: 0, onlyErrors: [42 as never] })).toThrow(
      /alertPolicy: onlyErrors\[0\]/,
    );
    expect(() => alertPolicy({ silentSeconds: 0, okSilentHours: 0, key: 'target' as never })).toThrow(
      /key must be a function/,
    );
  });
});

describe('alert keys', () => {
  const logger = pino({ level: 'silent' });
  const keyed = (key: (input: any) => string) =>
    alertPolicy({ silentSeconds: 0, okSilentHours: 0, key })(base);

  it('default to the schedule or the task; a key function keys by input, per task', () => {
    expect(alertKeyFor(base, { input: { target: 'db' }, scheduleName: 'nightly' }, logger)).toBe('nightly');
    expect(alertKeyFor(base, { input: { target: 'db' } }, logger)).toBe('filters.demo');
    expect(
      alertKeyFor(
        keyed((i) => i.target),
        { input: { target: 'db' }, scheduleName: 'n' },
        logger,
      ),
    ).toBe('filters.demo:db');
  });

  it('fall back to the default when the function throws or returns no string; long keys are shortened', () => {
    const boom = keyed(() => {
      throw new Error('no');
    });
    expect(alertKeyFor(boom, { input: {} }, logger)).toBe('filters.demo');
    expect(
      alertKeyFor(
        keyed(() => ''),
        { input: {} },
        logger,
      ),
    ).toBe('filters.demo');
    expect(
      alertKeyFor(
        keyed(() => 42 as never),
        { input: {}, scheduleName: 's' },
        logger,
      ),
    ).toBe('s');
    const long = alertKeyFor(
      keyed(() => 'x'.repeat(5_000)),
      { input: {} },
      logger,
    );
    expect(long).toHaveLength(MAX_ALERT_KEY_LENGTH);
    expect(long).not.toBe(
      alertKeyFor(
        keyed(() => 'x'.repeat(4_999)),
        { input: {} },
        logger,
      ),
    );
  });
});
