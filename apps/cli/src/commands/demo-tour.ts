import { createHeraldClient, RunFailedError, RunWaitTimeoutError, type RunDetail } from '@herald/client';

interface TourOptions {
  apiUrl: string;
  token: string;
  /** The development inbox's page, when the demo started one: its mails are listed. */
  inboxUrl?: string;
  timeoutMs?: number;
}

/**
 * What the demo does with a running Herald, over its REST API through @herald/client, as a user
 * would: a task that mails its owner, a chord of tests with one summary mail, and the test e-mail.
 */
export async function runDemoTour(
  options: TourOptions,
): Promise<{ lines: string[]; runs: RunDetail[]; mails: { to: string[]; subject: string }[] }> {
  const herald = createHeraldClient({ baseUrl: options.apiUrl, token: options.token });
  const report = await herald.submit({
    task: 'reports.build',
    input: { report_name: 'Quarterly revenue', stepMs: 100 },
  });
  const chord = await herald.submitChord({
    tasks: [
      { task: 'tests.execute', input: { testId: 'login', name: 'Login works' } },
      { task: 'tests.execute', input: { testId: 'search', name: 'Search finds products', sleepMs: 300 } },
      {
        task: 'tests.execute',
        input: { testId: 'checkout', name: 'Checkout accepts a card', outcome: 'fail' },
      },
      { task: 'tests.execute', input: { testId: 'retry', name: 'Flaky export', failAttempts: 1 } },
    ],
    callback: {
      task: 'tests.collect_results',
      input: { test_set_name: 'Storefront smoke tests', test_run_id: 'smoke-1' },
    },
  });
  const test = await herald.sendTestEmail('Hello from the Herald demo.');

  // Each run is followed until it has ended and its notifications have left `pending`.
  const follow = (id: string) =>
    herald
      .waitForRun(id, {
        timeoutMs: options.timeoutMs ?? 60_000,
        intervalMs: 200,
        until: (run) => run.notifications.every((n) => n.status !== 'pending'),
      })
      .catch((error: unknown) => {
        if (error instanceof RunFailedError) return error.run;
        // Shown as last seen: the demo reports a slow run instead of failing.
        if (error instanceof RunWaitTimeoutError && error.lastSeen) return error.lastSeen;
        throw error;
      });
  const runs = await Promise.all([report.id, chord.id, test.id].map(follow));
  const lines = runs.map((run) => {
    const mails = run.notifications.map(
      (n) =>
        `${n.channel} ${n.status}${n.address ? ` to ${n.address}` : ''}${n.reason ? ` (${n.reason})` : ''}`,
    );
    return `  ${run.task} ${run.status} -> ${mails.join(', ') || 'no notification'}`;
  });
  let mails: { to: string[]; subject: string }[] = [];
  if (options.inboxUrl) {
    const { messages } = (await (await fetch(`${options.inboxUrl}/api/messages`)).json()) as {
      messages: { to: string[]; subject: string }[];
    };
    lines.push(`Mail in the development inbox (${options.inboxUrl}):`);
    for (const message of messages) lines.push(`  to ${message.to.join(', ')}: ${message.subject}`);
    mails = messages.map(({ to, subject }) => ({ to, subject }));
  }
  return { lines, runs, mails };
}
