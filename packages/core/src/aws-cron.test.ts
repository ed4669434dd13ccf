import { describe, expect, it } from 'vitest';
import { AwsCronError, convertAwsCron, looksLikeAwsCron, startOfYear } from './aws-cron';

describe('AWS cron syntax', () => {
  it.each([
    ['0 10 * * ? *', '0 10 * * *'],
    ['15 12 ? * MON-FRI *', '15 12 * * MON-FRI'],
    ['0 8 ? * 2-6 *', '0 8 * * 1-5'],
    ['0 8 ? * 1,7 *', '0 8 * * 0,6'],
    ['0 18 ? * 6L *', '0 18 * * 5L'],
    ['0 9 ? * 2#1 *', '0 9 * * 1#1'],
    ['*/5 * 1 * ? *', '*/5 * 1 * *'],
  ])('reads %s as %s', (aws, pattern) => {
    expect(convertAwsCron(aws)).toEqual({ pattern });
  });

  it('turns a year or a range of years into the dates the schedule runs between', () => {
    expect(convertAwsCron('0 10 * * ? 2027')).toEqual({
      pattern: '0 10 * * *',
      years: { from: 2027, to: 2027 },
    });
    expect(convertAwsCron('0 10 * * ? 2027-2029').years).toEqual({ from: 2027, to: 2029 });
    expect(startOfYear(2027, 'Europe/Berlin').toISOString()).toBe('2026-12-31T23:00:00.000Z');
    expect(startOfYear(2027, 'America/New_York').toISOString()).toBe('2027-01-01T05:00:00.000Z');
    expect(startOfYear(2027).toISOString()).toBe('2027-01-01T00:00:00.000Z');
  });

  it.each([
    ['0 10 * * *', /expected 6 fields/],
    ['0 10 * * * *', /exactly one of day-of-month and day-of-week/],
    ['0 10 ? * ? *', /exactly one of day-of-month and day-of-week/],
    ['0 10 ? * 8 *', /day-of-week: expected 1-7 or SUN-SAT, got "8"/],
    ['0 10 * * ? 27', /year: expected \*, a year or a range of years/],
    ['0 10 * * ? 2029-2027', /ends before it starts/],
  ])('refuses %s saying why', (aws, message) => {
    expect(() => convertAwsCron(aws)).toThrow(AwsCronError);
    expect(() => convertAwsCron(aws)).toThrow(message);
  });

  it('tells AWS syntax from the seconds-first six-field form by its "?"', () => {
    expect(looksLikeAwsCron('0 10 * * ? *')).toBe(true);
    expect(looksLikeAwsCron('0 10 ? * MON *')).toBe(true);
    expect(looksLikeAwsCron('*/10 * * * * *')).toBe(false);
    expect(looksLikeAwsCron('0 0 10 ? * *')).toBe(false);
    expect(looksLikeAwsCron('30 9 * * 1-5')).toBe(false);
  });
});
