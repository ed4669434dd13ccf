/** How a run ended, as a mail shows it: a label, its colours, and for a test run its counts. */

export interface StatusStyle {
  label: string;
  sentence: string;
  color: string;
  background: string;
}

export const GREEN = { color: '#1a7f37', background: '#dafbe1' };
export const RED = { color: '#cf222e', background: '#ffebe9' };
const AMBER = { color: '#9a6700', background: '#fff8c5' };
export const GREY = { color: '#57606a', background: '#f6f8fa' };

const STATUS_STYLES: Record<string, StatusStyle> = {
  succeeded: { label: 'Succeeded', sentence: 'succeeded', ...GREEN },
  failed: { label: 'Failed', sentence: 'failed', ...RED },
  timed_out: { label: 'Timed out', sentence: 'timed out', ...RED },
  cancelled: { label: 'Cancelled', sentence: 'was cancelled', ...GREY },
  retrying: { label: 'Retrying', sentence: 'failed and will be retried', ...AMBER },
};

const FAILED_STATUSES = new Set(['failed', 'timed_out']);

/** Failed tests listed in one mail; the rest are counted ("and 12 more"). */
export const MAX_LISTED_FAILED_TESTS = 50;
const MAX_TEST_ERROR_LENGTH = 300;

export function asText(value: unknown): string | undefined {
  if (typeof value === 'string') return value.trim() === '' ? undefined : value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

export function styleOf(status: unknown): StatusStyle {
  const key = asText(status)?.toLowerCase();
  if (key && STATUS_STYLES[key]) return STATUS_STYLES[key];
  const label = key ? key.charAt(0).toUpperCase() + key.slice(1).replace(/_/g, ' ') : 'Finished';
  return { label, sentence: key ? `ended (${label.toLowerCase()})` : 'ended', ...GREY };
}

export const plural = (count: number, word: string) => `${count} ${word}${count === 1 ? '' : 's'}`;

export interface TestTotals {
  total: number;
  passed: number;
  failed: number;
}

/** total_tests, tests_passed and tests_failed of a result, when all three are numbers. */
export function testTotalsOf(vars: Record<string, unknown>): TestTotals | undefined {
  const [total, passed, failed] = [vars.total_tests, vars.tests_passed, vars.tests_failed];
  if (![total, passed, failed].every((value) => typeof value === 'number' && Number.isFinite(value)))
    return undefined;
  return { total: total as number, passed: passed as number, failed: failed as number };
}

/** "8 of 10 passed, 2 failed", "10 of 10 passed". */
export function describeTotals(totals: TestTotals): string {
  const passed = `${totals.passed} of ${totals.total} passed`;
  return totals.failed > 0 ? `${passed}, ${totals.failed} failed` : passed;
}

export interface Outcome {
  label: string;
  color: string;
  background: string;
  isFailure: boolean;
}

/**
 * What a run's mail leads with. A test run speaks of its tests: its callback may have
 * succeeded while tests failed, and "Succeeded" would then hide them.
 */
export function outcomeOf(status: unknown, totals: TestTotals | undefined, failedListed: number): Outcome {
  const style = styleOf(status);
  if (asText(status) === 'succeeded' && (totals || failedListed > 0)) {
    const failed = totals ? totals.failed : failedListed;
    return failed > 0
      ? { label: `${plural(failed, 'test')} failed`, ...RED, isFailure: true }
      : { label: 'All tests passed', ...GREEN, isFailure: false };
  }
  return {
    label: style.label,
    color: style.color,
    background: style.background,
    isFailure: FAILED_STATUSES.has(String(status)),
  };
}

export interface FailedTest {
  name: string;
  /** The first line of its error, when known. */
  error?: string;
}

function firstLine(value: unknown): string | undefined {
  const line = asText(value)?.trim().split('\n')[0]?.trim();
  if (!line) return undefined;
  return line.length > MAX_TEST_ERROR_LENGTH ? `${line.slice(0, MAX_TEST_ERROR_LENGTH - 1)}…` : line;
}

/**
 * The failed tests of a result: `failed_tests` as names (with `failed_test_errors` in the same
 * order) or as objects `{name, error}`.
 */
export function failedTestsOf(failedTests: unknown, errors: unknown): FailedTest[] {
  if (!Array.isArray(failedTests)) return [];
  const errorList: unknown[] = Array.isArray(errors) ? errors : [];
  const tests: FailedTest[] = [];
  failedTests.forEach((entry: unknown, index) => {
    const record = entry && typeof entry === 'object' ? (entry as Record<string, unknown>) : null;
    const name = record ? (asText(record.name) ?? asText(record.testId) ?? asText(record.id)) : asText(entry);
    if (!name) return;
    const error =
      firstLine(record ? (record.error ?? record.message) : undefined) ?? firstLine(errorList[index]);
    tests.push(error ? { name, error } : { name });
  });
  return tests;
}
