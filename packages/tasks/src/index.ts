import { BUILTIN_TASKS, TaskRegistry } from '@herald/core';
import { buildReport } from './build-report';
import { monitoringCheck } from './monitoring-check';

/**
 * The tasks this deployment runs: the API validates submissions against this list and the
 * worker runs it. Add a team's own task here (see build-report.ts for a small example).
 */
export const TASKS = [...BUILTIN_TASKS, buildReport, monitoringCheck] as const;

export const registry = new TaskRegistry(TASKS);
export { buildReport, monitoringCheck };
