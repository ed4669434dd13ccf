/** The result table: one row per figure, Herald against its baseline from the same run. */

export interface Row {
  figure: string;
  herald: string;
  baseline: string;
  /** Herald / baseline (or baseline / Herald where lower is better), when it means something. */
  ratio: number | null;
  target: string;
  /** Whether the target is met; null for rows without a target. */
  met: boolean | null;
}

export const rate = (value: number, unit: string) => `${Math.round(value).toLocaleString('en-US')} ${unit}`;
export const ms = (value: number) =>
  `${value < 0.1 ? value.toFixed(3) : value < 10 ? value.toFixed(1) : Math.round(value)} ms`;
export const mb = (value: number) => `${Math.round(value)} MB`;

function cells(row: Row): string[] {
  const ratio = row.ratio === null ? '—' : row.ratio >= 100 ? `${Math.round(row.ratio)}×` : `${row.ratio.toFixed(2)}`;
  const verdict = row.met === null ? '' : row.met ? ' ✓' : ' ✗';
  return [row.figure, row.herald, row.baseline, ratio, `${row.target}${verdict}`];
}

const HEADER = ['figure', 'Herald', 'baseline', 'ratio', 'target'];

/** A plain-text table for the terminal. */
export function formatTable(rows: Row[]): string {
  const table = [HEADER, ...rows.map(cells)];
  const widths = HEADER.map((_, column) => Math.max(...table.map((line) => (line[column] ?? '').length)));
  const line = (values: string[]) =>
    values.map((value, column) => (column === 0 ? value.padEnd(widths[column]!) : value.padStart(widths[column]!))).join('  ');
  return [line(HEADER), widths.map((width) => '-'.repeat(width)).join('  '), ...table.slice(1).map(line)].join('\n');
}

/** The same table in Markdown, for bench/RESULTS.md and the README. */
export function formatMarkdown(rows: Row[]): string {
  const escape = (value: string) => value.replace(/\|/g, '\\|');
  return [
    `| ${HEADER.join(' | ')} |`,
    `|${HEADER.map((_, column) => (column === 0 ? '---' : '---:')).join('|')}|`,
    ...rows.map((row) => `| ${cells(row).map(escape).join(' | ')} |`),
  ].join('\n');
}

export function percentile(values: number[], p: number): number {
  if (!values.length) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}
