/** What GET /api/templates lists: a template, what it is for and the variables it reads. */
export interface TemplateDescription {
  name: string;
  description: string;
  variables: TemplateVariableDescription[];
}

export interface TemplateVariableDescription {
  name: string;
  description: string;
}

interface CatalogEntry extends TemplateDescription {
  /** Built-in sample data for previews; also filled once at compileAll() as a smoke test. */
  sample: Record<string, unknown>;
}

/** The variables every task mail gets (SPEC §2); each key of the task's result is added to them. */
export const TASK_VARIABLES: TemplateVariableDescription[] = [
  { name: 'recipient_name', description: "The owner's name; the greeting is generic without it" },
  { name: 'task_name', description: 'The task, e.g. tests.execute' },
  {
    name: 'run_title',
    description: 'The run\'s title from its task\'s `title` (e.g. "Report Q3 revenue"), else the task name',
  },
  { name: 'task_id', description: 'The run id' },
  {
    name: 'status',
    description: 'The phase the run ended in: succeeded, failed, timed_out, cancelled, retrying',
  },
  { name: 'execution_time', description: 'How long the run took, e.g. "2m 45s"' },
  { name: 'error_message', description: 'Why the run failed, when it did' },
  { name: 'notice', description: "A retry's next attempt, or how long a recovered task had been failing" },
  { name: 'message', description: 'A "message" key of the result, shown under the heading' },
  { name: 'frontend_url', description: 'Base URL of the web app; links point into it' },
  { name: 'completed_at', description: 'When the run ended, in UTC' },
  { name: 'test_run_id', description: 'From the result: makes "View results" open /test-runs/{test_run_id}' },
];

const SAMPLE_TIMES = { completed_at: new Date('2025-06-02T14:03:27Z'), execution_time: 165_000 };

const CATALOG: CatalogEntry[] = [
  {
    name: 'task-completion',
    description: "One run of a task has ended; sent to the run's owner",
    variables: TASK_VARIABLES,
    sample: {
      recipient_name: 'Ada Lovelace',
      task_name: 'reports.generate',
      run_title: 'Report Q3 revenue',
      task_id: '3f2a9c7e-51d4-4a8b-9e0f-7d6c5b4a3921',
      status: 'succeeded',
      frontend_url: 'https://app.example.com',
      ...SAMPLE_TIMES,
    },
  },
  {
    name: 'test-execution-summary',
    description: 'One summary for a chord of test runs: totals and the failed tests by name',
    variables: [
      ...TASK_VARIABLES,
      { name: 'test_set_name', description: 'From the result: the name of the test set' },
      { name: 'total_tests', description: 'From the result: how many tests ran' },
      { name: 'tests_passed', description: 'From the result: how many passed' },
      { name: 'tests_failed', description: 'From the result: how many failed' },
      { name: 'failed_tests', description: 'From the result: names of the failed tests (string[])' },
      {
        name: 'failed_test_errors',
        description:
          "From the result: each failed test's error, in failed_tests' order (its first line is shown)",
      },
    ],
    sample: {
      recipient_name: 'Ada Lovelace',
      task_name: 'tests.collect_results',
      run_title: 'checkout-regression',
      task_id: '8b1d0e6f-2c3a-4d5e-8f90-a1b2c3d4e5f6',
      status: 'succeeded',
      frontend_url: 'https://app.example.com',
      test_set_name: 'checkout-regression',
      test_run_id: 'tr_20250602_1403',
      total_tests: 10,
      tests_passed: 8,
      tests_failed: 2,
      failed_tests: ['checkout applies a discount code', 'checkout rejects an expired card'],
      failed_test_errors: [
        'Expected total 90.00, got 100.00',
        'Timed out after 30s waiting for "Card expired"',
      ],
      ...SAMPLE_TIMES,
    },
  },
  {
    name: 'digest',
    description: 'Several runs in one mail',
    variables: [
      { name: 'recipient_name', description: "The owner's name" },
      { name: 'frontend_url', description: 'Base URL of the web app' },
      { name: 'period', description: 'Optional, e.g. "in the last 24 hours"' },
      {
        name: 'runs',
        description:
          'The runs: {task_name, run_title?, task_id, status, execution_time (ms or text), completed_at, error_message?, test_run_id?, total_tests?, tests_passed?, tests_failed?}[]',
      },
    ],
    sample: {
      recipient_name: 'Ada Lovelace',
      frontend_url: 'https://app.example.com',
      period: 'in the last 24 hours',
      runs: [
        {
          task_name: 'reports.generate',
          run_title: 'Report Q3 revenue',
          task_id: 'run-1',
          status: 'succeeded',
          execution_time: 850,
          completed_at: new Date('2025-06-02T09:15:02Z'),
        },
        {
          task_name: 'tests.collect_results',
          run_title: 'Nightly',
          task_id: 'run-2',
          status: 'succeeded',
          execution_time: 3_720_000,
          completed_at: new Date('2025-06-02T11:40:45Z'),
          test_run_id: 'tr_20250602_1140',
          total_tests: 10,
          tests_passed: 8,
          tests_failed: 2,
        },
        {
          task_name: 'reports.generate',
          run_title: 'Report Q4 forecast',
          task_id: 'run-4',
          status: 'failed',
          execution_time: 42_000,
          completed_at: new Date('2025-06-02T12:02:10Z'),
          error_message: 'Timed out waiting for the warehouse',
        },
        { task_name: 'billing.sync', task_id: 'run-3', status: 'succeeded', ...SAMPLE_TIMES },
      ],
    },
  },
];

export const TEMPLATE_NAMES: readonly string[] = CATALOG.map((entry) => entry.name);

export function findCatalogEntry(name: string): CatalogEntry | undefined {
  return CATALOG.find((entry) => entry.name === name);
}

export function describeTemplates(): TemplateDescription[] {
  return CATALOG.map(({ name, description, variables }) => ({
    name,
    description,
    variables: variables.map((v) => ({ ...v })),
  }));
}
