import { formatDuration, formatUtc } from './format';

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

interface StatusStyle {
  label: string;
  sentence: string;
  color: string;
  background: string;
}

const GREEN = { color: '#1a7f37', background: '#dafbe1' };
const RED = { color: '#cf222e', background: '#ffebe9' };
const AMBER = { color: '#9a6700', background: '#fff8c5' };
const GREY = { color: '#57606a', background: '#f6f8fa' };

const STATUS_STYLES: Record<string, StatusStyle> = {
  succeeded: { label: 'Succeeded', sentence: 'succeeded', ...GREEN },
  failed: { label: 'Failed', sentence: 'failed', ...RED },
  timed_out: { label: 'Timed out', sentence: 'timed out', ...RED },
  cancelled: { label: 'Cancelled', sentence: 'was cancelled', ...GREY },
  retrying: { label: 'Retrying', sentence: 'failed and will be retried', ...AMBER },
};

/** Failed test names listed in one mail; the rest are counted ("and 12 more"). */
export const MAX_LISTED_FAILED_TESTS = 50;
/** Long stack traces belong in the UI, not in the mail. */
const MAX_ERROR_MESSAGE_LENGTH = 2000;

const FAILED_STATUSES = new Set(['failed', 'timed_out']);
const HEX_COLOR = /^#(?:[0-9a-f]{3}|[0-9a-f]{6})$/i;

function isPresent(value: unknown): boolean {
  return value !== undefined && value !== null && value !== '';
}

function asText(value: unknown): string | undefined {
  if (typeof value === 'string') return value.trim() === '' ? undefined : value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
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

function styleOf(status: unknown): StatusStyle {
  const key = asText(status)?.toLowerCase();
  if (key && STATUS_STYLES[key]) return STATUS_STYLES[key];
  const label = key ? key.charAt(0).toUpperCase() + key.slice(1).replace(/_/g, ' ') : 'Finished';
  return { label, sentence: key ? `ended (${label.toLowerCase()})` : 'ended', ...GREY };
}

function formatWhen(value: unknown): string | undefined {
  if (value instanceof Date) return formatUtc(value);
  return asText(value);
}

function formatTime(value: unknown): string | undefined {
  return typeof value === 'number' ? formatDuration(value) : asText(value);
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

function failedTestName(entry: unknown): string | undefined {
  if (entry && typeof entry === 'object') {
    const record = entry as Record<string, unknown>;
    return asText(record.name) ?? asText(record.testId) ?? asText(record.id);
  }
  return asText(entry);
}

function describeRuns(runs: unknown[], frontendUrl: string | undefined): TemplateVariables[] {
  return runs.map((entry) => {
    const run = (entry && typeof entry === 'object' ? entry : {}) as Record<string, unknown>;
    const style = styleOf(run.status);
    return {
      ...run,
      task_name: asText(run.task_name) ?? 'Task',
      status_label: style.label,
      status_color: style.color,
      status_background: style.background,
      execution_time: formatTime(run.execution_time),
      completed_at: formatWhen(run.completed_at),
      url: toHttpUrl(run.url) ?? resultsUrl(frontendUrl, { testRunId: run.test_run_id, taskId: run.task_id }),
    };
  });
}

const plural = (count: number, word: string) => `${count} ${word}${count === 1 ? '' : 's'}`;

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
  const error = asText(vars.error_message);

  const failedList = Array.isArray(vars.failed_tests)
    ? vars.failed_tests.map(failedTestName).filter(isPresent)
    : [];
  const totals = [vars.total_tests, vars.tests_passed, vars.tests_failed];
  const hasTestTotals = totals.every((value) => typeof value === 'number' && Number.isFinite(value));
  const testsFailed = hasTestTotals ? Number(vars.tests_failed) : failedList.length;

  // The summary's headline follows the tests: a chord callback that succeeded can still report failed tests.
  let outcome = { label: status.label, color: status.color, background: status.background };
  if (asText(vars.status) === 'succeeded' && (hasTestTotals || failedList.length > 0)) {
    outcome =
      testsFailed > 0
        ? { label: `${plural(testsFailed, 'test')} failed`, ...RED }
        : { label: 'All tests passed', ...GREEN };
  }

  const runs = Array.isArray(vars.runs) ? describeRuns(vars.runs, frontendUrl) : undefined;
  const runsFailed = runs?.filter((run) => FAILED_STATUSES.has(String(run.status))).length ?? 0;

  // Written over the copy, not spread into a new literal: V8 builds `{ ...vars, <30 keys> }` on a
  // slow path (about 70 µs a mail, most of a render); Object.assign costs a few µs.
  return Object.assign(vars, {
    frontend_url: frontendUrl,
    execution_time: formatTime(vars.execution_time),
    completed_at: formatWhen(vars.completed_at),
    error_message:
      error && error.length > MAX_ERROR_MESSAGE_LENGTH
        ? `${error.slice(0, MAX_ERROR_MESSAGE_LENGTH)}…`
        : error,
    status_label: status.label,
    status_sentence: status.sentence,
    status_color: status.color,
    status_background: status.background,
    outcome_label: outcome.label,
    outcome_color: outcome.color,
    outcome_background: outcome.background,
    has_test_totals: hasTestTotals,
    failed_tests: failedList.slice(0, MAX_LISTED_FAILED_TESTS),
    failed_tests_more: Math.max(0, failedList.length - MAX_LISTED_FAILED_TESTS) || undefined,
    failed_box_color: testsFailed > 0 ? RED.color : GREY.color,
    failed_box_background: testsFailed > 0 ? RED.background : GREY.background,
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
    brand_color:
      branding.brandColor && HEX_COLOR.test(branding.brandColor)
        ? branding.brandColor
        : HERALD_BRANDING.brandColor,
    footer_text: asText(branding.footerText) ?? HERALD_BRANDING.footerText,
    unsubscribe_url: toHttpUrl(options.unsubscribeUrl),
    email_subject: options.subject,
  });
}
