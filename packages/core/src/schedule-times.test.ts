import { describe, expect, it } from 'vitest';
import { fireTimesFrom } from './schedule-times';

const iso = (dates: Date[]) => dates.map((date) => date.toISOString());

describe('fireTimesFrom', () => {
  it('adds the interval of a fixed rate', () => {
    const first = new Date('2026-12-06T10:00:00.250Z');
    expect(iso(fireTimesFrom(first, { every: 60_000 }, 3))).toEqual([
      '2026-12-06T10:00:00.250Z',
      '2026-12-06T10:01:00.250Z',
      '2026-12-06T10:02:00.250Z',
    ]);
  });

  it('follows a cron pattern in its time zone, across a weekend', () => {
    const first = new Date('2026-12-04T08:00:00.000Z'); // Friday 09:00 in Berlin
    expect(iso(fireTimesFrom(first, { pattern: '0 9 * * 1-5', tz: 'Europe/Berlin' }, 3))).toEqual([
      '2026-12-04T08:00:00.000Z',
      '2026-12-07T08:00:00.000Z',
      '2026-12-08T08:00:00.000Z',
    ]);
  });

  it('stops at the end date and gives nothing for a count of 0', () => {
    const first = new Date('2030-12-31T12:00:00.000Z');
    const endDate = new Date('2031-01-01T00:00:00.000Z');
    expect(iso(fireTimesFrom(first, { pattern: '0 12 * * *', endDate }, 3))).toEqual([
      '2030-12-31T12:00:00.000Z',
    ]);
    expect(fireTimesFrom(first, { every: 1_000 }, 0)).toEqual([]);
  });
});
