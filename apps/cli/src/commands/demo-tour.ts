import { setTimeout as sleep } from 'node:timers/promises';

interface TourOptions {
  apiUrl: string;
  token: string;
  /** The development inbox's page, when the demo started one: its mails are listed. */
  inboxUrl?: string;
  timeoutMs?: number;
}

interface RunView {
  id: string;
  task: string;
  status: string;
  result: unknown;
  notifications: { channel: string; status: string; address: string | null; reason: string | null }[];
}

const TERMINAL = ['succeeded', 'failed', 'timed_out', 'cancelled'];

async function call<T>(options: TourOptions, method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${options.apiUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${options.token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${method} ${path} answered ${response.status}: ${await response.text()}`);
  return (await response.json()) as T;
}

/** Waits until the run has ended and each of its notifications has left `pending`. */
async function follow(options: TourOptions, id: string): Promise<RunView> {
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  for (;;) {
    const run = await call<RunView>(options, 'GET', `/api/tasks/${id}`);
    const isSettled = TERMINAL.includes(run.status) && run.notifications.every((n) => n.status !== 'pending');
    if (isSettled || Date.now() > deadline) return run;
    await sleep(200);
  }
}

/**
 * What the demo does with a running Herald, over its REST API as a user would: a task that
 * mails its owner, a chord of tests with one summary mail, and the test e-mail.
 */
export async function runDemoTour(options: TourOptions): Promise<{ lines: string[]; runs: RunView[] }> {
  const report = await call<{ id: string }>(options, 'POST', '/api/tasks', {
    task: 'reports.build',
    input: { report_name: 'Quarterly revenue', stepMs: 100 },
  });
  const chord = await call<{ id: string; children: string[] }>(options, 'POST', '/api/flows', {
    tasks: [
      { task: 'tests.execute', input: { testId: 'login', name: 'Login works' } },
      { task: 'tests.execute', input: { testId: 'search', name: 'Search finds products', sleepMs: 300 } },
      { task: 'tests.execute', input: { testId: 'checkout', name: 'Checkout accepts a card', outcome: 'fail' } },
      { task: 'tests.execute', input: { testId: 'retry', name: 'Flaky export', failAttempts: 1 } },
    ],
    callback: { task: 'tests.collect_results', input: { test_set_name: 'Storefront smoke tests', test_run_id: 'smoke-1' } },
  });
  const test = await call<{ id: string }>(options, 'POST', '/api/tasks/email-notification-test', { message: 'Hello from the Herald demo.' });

  const runs = await Promise.all([report.id, chord.id, test.id].map((id) => follow(options, id)));
  const lines = runs.map((run) => {
    const mails = run.notifications.map((n) => `${n.channel} ${n.status}${n.address ? ` to ${n.address}` : ''}${n.reason ? ` (${n.reason})` : ''}`);
    return `  ${run.task} ${run.status} -> ${mails.join(', ') || 'no notification'}`;
  });
  if (options.inboxUrl) {
    const { messages } = (await (await fetch(`${options.inboxUrl}/api/messages`)).json()) as {
      messages: { to: string[]; subject: string }[];
    };
    lines.push(`Mail in the development inbox (${options.inboxUrl}):`);
    for (const message of messages) lines.push(`  to ${message.to.join(', ')}: ${message.subject}`);
  }
  return { lines, runs };
}
