import { brandColorsOf } from './brand-colors';
import { formatDuration, formatUtc } from './format';
import {
  asText,
  describeTotals,
  failedTestsOf,
  GREY,
  MAX_LISTED_FAILED_TESTS,
  outcomeOf,
  plural,
  RED,
  styleOf,
  testTotalsOf,
} from './run-outcome';

export type TemplateVariables = Record<string, unknown>;

/** An organization's look; every field falls back to Herald's own. */
export interface Branding {
  organizationName?: string | null;
  logoUrl?: string | null;
  brandColor?: string | null;
  footerText?: string | null;
}

export const HERALD_BRANDING = {
  organizationName: 'Herald',
  brandColor: '#4f46e5',
  footerText: 'Herald runs your background tasks and tells you when they are done.',
} as const;

/** Long stack traces belong in the UI, not in the mail. */
const MAX_ERROR_MESSAGE_LENGTH = 2000;

const HEX_COLOR = /^#(?:[0-9a-f]{3}|[0-9a-f]{6})$/i;

function isPresent(value: unknown): boolean {
  return value !== undefined && value !== null && value !== '';
}

/** Only http(s) URLs reach an href or src: a `javascript:` URL from data must never become a link. */
export function toHttpUrl(value: unknown): string | undefined {
  const text = asText(value);
  if (!text) return undefined;
  try {
    const url = new URL(text);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.toString() : undefined;
  } catch {
    return undefined;
  }
}

function formatWhen(value: unknown): string | undefined {
  if (value instanceof Date) return formatUtc(value);
  return asText(value);
}

function formatTime(value: unknown): string | undefined {
  return typeof value === 'number' ? formatDuration(value) : asText(value);
}

/**
 * The error as written: surrounding blank lines and the indentation of its first line go (the
 * error box keeps line breaks), and a long one is cut.
 */
function tidyError(value: unknown): string | undefined {
  const error = asText(value)
    ?.replace(/^\s*\n/, '')
    .trimEnd()
    .replace(/^[ \t]+/, '');
  if (!error) return undefined;
  return error.length > MAX_ERROR_MESSAGE_LENGTH ? `${error.slice(0, MAX_ERROR_MESSAGE_LENGTH)}…` : error;
}

/** `{frontend}/test-runs/{test_run_id}` when the result names a test run, else `{frontend}/runs/{task_id}`. */
export function resultsUrl(
  frontendUrl: string | undefined,
  ids: { testRunId?: unknown; taskId?: unknown },
): string | undefined {
  if (!frontendUrl) return undefined;
  const testRunId = asText(ids.testRunId);
  if (testRunId) return `${frontendUrl}/test-runs/${encodeURIComponent(testRunId)}`;
  const taskId = asText(ids.taskId);
  return taskId ? `${frontendUrl}/runs/${encodeURIComponent(taskId)}` : undefined;
}

/** A digest's row: the run's title and outcome (a test run's counts), linked to its own page. */
function describeRun(entry: unknown, frontendUrl: string | undefined): TemplateVariables {
  const run = (entry && typeof entry === 'object' ? entry : {}) as Record<string, unknown>;
  const taskName = asText(run.task_name) ?? 'Task';
  const title = asText(run.run_title) ?? taskName;
  const totals = testTotalsOf(run);
  const outcome = outcomeOf(run.status, totals, failedTestsOf(run.failed_tests, undefined).length);
  return {
    ...run,
    task_name: taskName,
    run_title: title,
    // The task's name under a title that is not already it: three "Report ..." rows stay apart by title.
    task_label: title === taskName ? undefined : taskName,
    status_label: outcome.label,
    status_color: outcome.color,
    status_background: outcome.background,
    is_failure: outcome.isFailure,
    tests_summary: totals ? describeTotals(totals) : undefined,
    execution_time: formatTime(run.execution_time),
    completed_at: formatWhen(run.completed_at),
    error_message: tidyError(run.error_message),
    url: toHttpUrl(run.url) ?? resultsUrl(frontendUrl, { testRunId: run.test_run_id, taskId: run.task_id }),
  };
}

/**
 * Turns a mail's variables into what the templates print. Every value a template shows
 * is derived here, so templates stay simple and a missing optional value is simply absent
 * (Handlebars prints nothing for it) instead of "undefined", "null" or "N/A".
 * Derived and branding keys are written last: a task result cannot overwrite them.
 */
export function prepareVariables(
  input: TemplateVariables,
  options: { branding?: Branding | null; unsubscribeUrl?: string | null; subject?: string } = {},
): TemplateVariables {
  const vars: TemplateVariables = {};
  for (const [key, value] of Object.entries(input)) {
    // A JSON result can carry an own "__proto__" key; assigning it would swap this object's prototype.
    if (isPresent(value) && key !== '__proto__') vars[key] = value;
  }

  const frontendUrl = toHttpUrl(vars.frontend_url)?.replace(/\/+$/, '');
  const status = styleOf(vars.status);
  const branding = options.branding ?? {};
  const taskName = asText(vars.task_name);

  const failedTests = failedTestsOf(vars.failed_tests, vars.failed_test_errors);
  const totals = testTotalsOf(vars);
  const testsFailed = totals ? totals.failed : failedTests.length;
  // The summary's headline follows the tests: a chord callback that succeeded can still report failed tests.
  const outcome = outcomeOf(vars.status, totals, failedTests.length);

  const runs = Array.isArray(vars.runs) ? vars.runs.map((run) => describeRun(run, frontendUrl)) : undefined;
  const runsFailed = runs?.filter((run) => run.is_failure).length ?? 0;
  const brandColor =
    branding.brandColor && HEX_COLOR.test(branding.brandColor)
      ? branding.brandColor
      : HERALD_BRANDING.brandColor;

  // Written over the copy, not spread into a new literal: V8 builds `{ ...vars, <30 keys> }` on a
  // slow path (about 70 µs a mail, most of a render); Object.assign costs a few µs.
  return Object.assign(vars, {
    frontend_url: frontendUrl,
    // The run's human title (its task's `title`), else a test run's set or the task's name: the
    // headline and the default subject.
    run_title: asText(vars.run_title) ?? asText(vars.test_set_name) ?? taskName ?? 'Your task',
    execution_time: formatTime(vars.execution_time),
    completed_at: formatWhen(vars.completed_at),
    error_message: tidyError(vars.error_message),
    status_label: status.label,
    status_sentence: status.sentence,
    status_color: status.color,
    status_background: status.background,
    outcome_label: outcome.label,
    outcome_color: outcome.color,
    outcome_background: outcome.background,
    has_test_totals: totals !== undefined,
    tests_summary: totals ? describeTotals(totals) : undefined,
    failed_tests: failedTests.slice(0, MAX_LISTED_FAILED_TESTS),
    failed_tests_more: Math.max(0, failedTests.length - MAX_LISTED_FAILED_TESTS) || undefined,
    failed_box_color: testsFailed > 0 ? RED.color : GREY.color,
    failed_box_background: testsFailed > 0 ? RED.background : GREY.background,
    // A test run's summary names one id: its test run's, else the run's.
    summary_run_id: asText(vars.test_run_id) ?? asText(vars.task_id),
    // ...and the run's own id too when the test run was given another one, so the mail names its run.
    summary_task_id:
      asText(vars.test_run_id) !== undefined && asText(vars.test_run_id) !== asText(vars.task_id)
        ? asText(vars.task_id)
        : undefined,
    action_url:
      toHttpUrl(vars.results_url) ??
      resultsUrl(frontendUrl, { testRunId: vars.test_run_id, taskId: vars.task_id }),
    runs,
    runs_url: runs && frontendUrl ? `${frontendUrl}/runs` : undefined,
    runs_summary: runs
      ? `${plural(runs.length, 'run')}${runsFailed > 0 ? `, ${runsFailed} failed` : ''}`
      : undefined,
    organization_name: asText(branding.organizationName) ?? HERALD_BRANDING.organizationName,
    logo_url: toHttpUrl(branding.logoUrl),
    ...brandColorsOf(brandColor),
    footer_text: asText(branding.footerText) ?? HERALD_BRANDING.footerText,
    unsubscribe_url: toHttpUrl(options.unsubscribeUrl),
    email_subject: options.subject,
  });
}
