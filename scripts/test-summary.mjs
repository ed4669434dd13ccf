#!/usr/bin/env node
// Prints vitest's JSON report as one closing line: "Tests: N passed, N failed, N skipped".
import { readFileSync } from 'node:fs';

const file = process.argv[2] ?? 'test-artifacts/vitest.json';
try {
  const report = JSON.parse(readFileSync(file, 'utf8'));
  const skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
  // A file that failed to load has no failed test of its own: count it once.
  const brokenFiles = (report.testResults ?? []).filter(
    (file) => file.status === 'failed' && !(file.assertionResults ?? []).some((test) => test.status === 'failed'),
  ).length;
  const failed = report.numFailedTests + brokenFiles;
  process.stdout.write(`Tests: ${report.numPassedTests} passed, ${failed} failed, ${skipped} skipped\n`);
} catch {
  process.stdout.write('Tests: 0 passed, 1 failed\n');
  process.exit(1);
}
