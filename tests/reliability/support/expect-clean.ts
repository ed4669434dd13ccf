import { expect } from 'vitest';
import { formatTable, type ScenarioResult } from './result';

/** The quick form's assertion: the row of the table is all zeros and every check held. */
export function expectClean(result: ScenarioResult): void {
  // One line per scenario in the CI log: what was exercised, not only that it passed.
  console.log(`${formatTable([result])}\n${result.notes.map((note) => `  ${note}`).join('\n')}`);
  expect(result.failures).toEqual([]);
  expect({
    lost: result.lost,
    duplicated: result.duplicated,
    http5xx: result.http5xx,
    crashes: result.crashes,
    crossTenantLeaks: result.crossTenantLeaks,
  }).toEqual({ lost: 0, duplicated: 0, http5xx: 0, crashes: 0, crossTenantLeaks: 0 });
  expect(result.runs).toBeGreaterThan(0);
}
