import { CronExpressionParser } from 'cron-parser';

/** The timing part of a schedule's repeat options, as the queue runs it. */
export interface FireTimeRule {
  pattern?: string;
  every?: number;
  tz?: string;
  endDate?: Date;
}

/**
 * Up to `count` fire times starting with `first`, the time the queue plans next: a fixed rate adds
 * its interval; a cron pattern is read by cron-parser, the parser BullMQ's scheduler uses, in the
 * schedule's time zone and up to its end date.
 */
export function fireTimesFrom(first: Date, rule: FireTimeRule, count: number): Date[] {
  if (count <= 0) return [];
  const { every, pattern } = rule;
  if (every) return Array.from({ length: count }, (_, i) => new Date(first.getTime() + i * every));
  if (!pattern) return [first];
  const rest = CronExpressionParser.parse(pattern, {
    currentDate: first,
    endDate: rule.endDate,
    tz: rule.tz,
  }).take(count - 1);
  return [first, ...rest.map((date) => date.toDate())];
}
