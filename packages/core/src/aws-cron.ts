/**
 * Cron in AWS syntax (EventBridge, and Flyte's CronSchedule): six fields, minute first, a year
 * last, `?` for "no value" in day-of-month or day-of-week, and days of the week numbered 1-7 from
 * Sunday. Herald's queue reads minute-first five-field cron with days 0-6 from Sunday, so an AWS
 * expression becomes that plus, when the year is not `*`, a start and end date.
 */

/** What the queue runs: a five-field cron pattern and the years it is limited to, if any. */
export interface ConvertedCron {
  pattern: string;
  years?: { from: number; to: number };
}

/** An AWS cron expression that cannot be read; the message says which field and why. */
export class AwsCronError extends Error {
  override name = 'AwsCronError';
}

const FIELD_NAMES = ['minute', 'hour', 'day-of-month', 'month', 'day-of-week', 'year'] as const;
const YEAR = /^(\*|\d{4}(-\d{4})?)$/;
const DAY_OF_WEEK_TOKEN = /^([1-7]|[A-Za-z]{3})(L|#[1-5])?$/;

/**
 * True for an expression only AWS syntax can mean: six fields with `?` in the third or fifth
 * (day-of-month or day-of-week). Herald's own six-field form starts with seconds, so its third
 * and fifth fields are the hour and the month, where `?` is never valid.
 */
export function looksLikeAwsCron(expression: string): boolean {
  const fields = expression.trim().split(/\s+/);
  return fields.length === 6 && (fields[2] === '?' || fields[4] === '?');
}

/** AWS numbers Sunday 1 and Saturday 7; the queue's cron numbers them 0 and 6. */
function shiftDay(token: string, field: string): string {
  const match = DAY_OF_WEEK_TOKEN.exec(token);
  if (!match) throw new AwsCronError(`${field}: expected 1-7 or SUN-SAT, got "${token}"`);
  const [, day, suffix = ''] = match;
  const shifted = /^\d$/.test(day!) ? String(Number(day) - 1) : day!.toUpperCase();
  return shifted + suffix;
}

function convertDayOfWeek(value: string): string {
  if (value === '?' || value === '*') return '*';
  const field = FIELD_NAMES[4];
  return value
    .split(',')
    .map((item) => {
      const [range, step] = item.split('/');
      if (step !== undefined && !/^\d+$/.test(step)) throw new AwsCronError(`${field}: bad step "${step}"`);
      const days =
        range === '*'
          ? '*'
          : range!
              .split('-')
              .map((day) => shiftDay(day, field))
              .join('-');
      return step === undefined ? days : `${days}/${step}`;
    })
    .join(',');
}

function convertYears(value: string): ConvertedCron['years'] {
  if (!YEAR.test(value))
    throw new AwsCronError(`year: expected *, a year or a range of years, got "${value}"`);
  if (value === '*') return undefined;
  const [from, to = from] = value.split('-').map(Number) as [number, number?];
  if (to < from) throw new AwsCronError(`year: the range ${value} ends before it starts`);
  return { from, to };
}

/** Converts an AWS cron expression; throws AwsCronError naming the field when it is not one. */
export function convertAwsCron(expression: string): ConvertedCron {
  const fields = expression.trim().split(/\s+/);
  if (fields.length !== 6) {
    throw new AwsCronError(
      `expected 6 fields (minute hour day-of-month month day-of-week year), got ${fields.length}`,
    );
  }
  const [minute, hour, dayOfMonth, month, dayOfWeek, year] = fields as [
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  if ((dayOfMonth === '?') === (dayOfWeek === '?')) {
    throw new AwsCronError('exactly one of day-of-month and day-of-week must be "?"');
  }
  const pattern = [
    minute,
    hour,
    dayOfMonth === '?' ? '*' : dayOfMonth,
    month,
    convertDayOfWeek(dayOfWeek),
  ].join(' ');
  const years = convertYears(year);
  return years ? { pattern, years } : { pattern };
}

/** Milliseconds that `timeZone` is ahead of UTC at `at`. */
function zoneOffsetMs(at: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  }).formatToParts(new Date(at));
  const part = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  const local = Date.UTC(
    part('year'),
    part('month') - 1,
    part('day'),
    part('hour'),
    part('minute'),
    part('second'),
  );
  return local - Math.floor(at / 1000) * 1000;
}

/** The first instant of 1 January `year` in `timeZone` (UTC when none is given). */
export function startOfYear(year: number, timeZone = 'UTC'): Date {
  const utcMidnight = Date.UTC(year, 0, 1);
  return new Date(utcMidnight - zoneOffsetMs(utcMidnight, timeZone));
}
