import type { Audit } from './audit';

/** One row of the reliability table, and what stands behind it. */
export interface ScenarioResult {
  scenario: string;
  runs: number;
  lost: number;
  duplicated: number;
  /** Answers >= 500 that the contract does not allow (a 503 while a dependency is down is allowed). */
  http5xx: number;
  /** Herald processes that exited without being asked to. */
  crashes: number;
  crossTenantLeaks: number;
  /** HTTP requests sent (the hostile-input scenario reports it). */
  requests: number;
  durationMs: number;
  /** What happened, for the report (kills, stalls, retries, 503s...). */
  notes: string[];
  /** Checks beyond the counters that did not hold; empty when the scenario passed. */
  failures: string[];
}

export function emptyResult(scenario: string): ScenarioResult {
  return {
    scenario,
    runs: 0,
    lost: 0,
    duplicated: 0,
    http5xx: 0,
    crashes: 0,
    crossTenantLeaks: 0,
    requests: 0,
    durationMs: 0,
    notes: [],
    failures: [],
  };
}

/** Folds a ledger/inbox audit into a result; the details of anything wrong go to failures. */
export function addAudit(result: ScenarioResult, audit: Audit): void {
  result.runs += audit.runs;
  result.lost += audit.lost.length;
  result.duplicated += audit.duplicated;
  result.crossTenantLeaks += audit.leaks.length;
  const sample = (items: string[]) =>
    items.slice(0, 5).join('; ') + (items.length > 5 ? `; ... ${items.length - 5} more` : '');
  if (audit.lost.length) result.failures.push(`lost runs: ${sample(audit.lost)}`);
  if (audit.duplicatedRuns.length)
    result.failures.push(`runs mailed more than once: ${sample(audit.duplicatedRuns)}`);
  if (audit.strays)
    result.failures.push(`${audit.strays} mail(s) name no single accepted run: ${sample(audit.strayMails)}`);
  if (audit.leaks.length) result.failures.push(`cross-tenant: ${sample(audit.leaks)}`);
  if (audit.disagreements.length)
    result.failures.push(`ledger and inbox disagree: ${sample(audit.disagreements)}`);
  const statuses = Object.entries(audit.statuses)
    .map(([status, count]) => `${count} ${status}`)
    .join(', ');
  result.notes.push(`${audit.runs} runs (${statuses || 'none'}), ${audit.mails} mails received`);
}

export function isClean(result: ScenarioResult): boolean {
  return (
    result.lost === 0 &&
    result.duplicated === 0 &&
    result.http5xx === 0 &&
    result.crashes === 0 &&
    result.crossTenantLeaks === 0 &&
    result.failures.length === 0
  );
}

const formatDuration = (ms: number) =>
  ms < 60_000
    ? `${Math.round(ms / 1000)} s`
    : `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;

/** The table as Markdown (it reads as plain text in a terminal too). */
export function formatTable(results: ScenarioResult[]): string {
  const header = [
    'scenario',
    'runs',
    'lost',
    'duplicated',
    '5xx',
    'crashes',
    'cross-tenant leaks',
    'requests',
    'result',
    'time',
  ];
  const rows = results.map((result) => [
    result.scenario,
    String(result.runs),
    String(result.lost),
    String(result.duplicated),
    String(result.http5xx),
    String(result.crashes),
    String(result.crossTenantLeaks),
    result.requests ? String(result.requests) : '-',
    isClean(result) ? 'pass' : 'FAIL',
    formatDuration(result.durationMs),
  ]);
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => row[column]!.length)),
  );
  const line = (cells: string[]) =>
    `| ${cells.map((cell, column) => cell.padEnd(widths[column]!)).join(' | ')} |`;
  return [
    line(header),
    `|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`,
    ...rows.map(line),
  ].join('\n');
}

/** Each scenario's notes and failures, as a Markdown list. */
export function formatDetails(results: ScenarioResult[]): string {
  return results
    .map((result) => {
      const lines = [`### ${result.scenario}`, ...result.notes.map((note) => `- ${note}`)];
      for (const failure of result.failures) lines.push(`- **FAILED:** ${failure}`);
      return lines.join('\n');
    })
    .join('\n\n');
}
