/**
 * E-mail throughput: the naive path against Herald's, in one run, against a local dev inbox.
 *
 *   npx pnpm@10.34.9 exec tsx bench/email.ts [--quick]
 *
 * naive   : Handlebars over the MJML source + mjml2html for every mail, and a new non-pooled
 *           nodemailer connection per mail.
 * herald  : templates compiled once (TemplateRenderer.compileAll), each mail only fills them,
 *           sent over Herald's pooled SMTP transport.
 * Both send with the same number of mails in flight, like a worker with that many slots.
 * A middle row (compiled fill + stock pooled nodemailer) separates the effect of the pool from
 * that of the transport's TCP_NODELAY socket.
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import {
  createSmtpTransport,
  loadTemplateSource,
  prepareVariables,
  startDevInbox,
  TemplateRenderer,
  toSubjectLine,
  type DevInbox,
  type OutgoingMail,
  type TemplateVariables,
} from '../packages/email/src/index.ts';
import { devInboxSmtp } from './lib/smtp.ts';

// mjml, handlebars and nodemailer are dependencies of @herald/email, not of the workspace root.
const requireFromEmail = createRequire(new URL('../packages/email/package.json', import.meta.url));
const mjml2html = requireFromEmail('mjml') as (
  mjml: string,
  options: Record<string, unknown>,
) => Promise<{ html: string }>;
const Handlebars = requireFromEmail('handlebars') as {
  compile(source: string, options?: { noEscape?: boolean }): (data: unknown) => string;
};
interface MailTransporter {
  sendMail(mail: Record<string, unknown>): Promise<unknown>;
  close(): void;
}
const nodemailer = requireFromEmail('nodemailer') as { createTransport(options: object): MailTransporter };

const IN_FLIGHT = 5;
const TEMPLATE = 'test-execution-summary';
const FROM = 'Herald <no-reply@herald.bench>';

function variablesFor(index: number): TemplateVariables {
  return {
    recipient_name: `User ${index}`,
    task_name: 'tests.collect_results',
    task_id: `run-${index}`,
    status: index % 7 === 0 ? 'failed' : 'succeeded',
    execution_time: 1000 + index * 37,
    completed_at: new Date(Date.UTC(2025, 5, 2, 14, 0, index % 60)),
    frontend_url: 'https://app.example.com',
    test_set_name: `suite-${index % 5}`,
    test_run_id: `tr-${index}`,
    total_tests: 10,
    tests_passed: 8,
    tests_failed: 2,
    failed_tests: [`test ${index}-a`, `test ${index}-b`],
  };
}

/** Runs `count` jobs with at most `limit` at a time; returns the elapsed seconds. */
async function timed(count: number, limit: number, job: (index: number) => Promise<void>): Promise<number> {
  const started = performance.now();
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, count) }, async () => {
    while (next < count) await job(next++);
  });
  await Promise.all(lanes);
  return (performance.now() - started) / 1000;
}

export interface EmailBenchResult {
  quick: boolean;
  template: string;
  mails: number;
  inFlight: number;
  /** Send phases, naive first: seconds for `mails` mails and the resulting rate. */
  paths: Array<{ path: string; seconds: number; mailsPerSecond: number }>;
  renderOnly: {
    mjmlMsPerMail: number;
    fillMsPerMail: number;
    ratio: number;
    mjmlRenders: number;
    fills: number;
  };
}

export interface EmailBenchSizes {
  /** Mails per send path. */
  mails: number;
  /** Mails for the naive path, the slowest by far; it is only there for scale. */
  naiveMails: number;
  mjmlRenders: number;
  fills: number;
}

/** Runs the whole comparison in one process; `quick` keeps it well under a minute. */
export async function runEmailBench({
  quick,
  sizes,
}: {
  quick: boolean;
  sizes?: Partial<EmailBenchSizes>;
}): Promise<EmailBenchResult> {
  const mails = sizes?.mails ?? (quick ? 150 : 600);
  const naiveMails = sizes?.naiveMails ?? mails;
  const mjmlRenders = sizes?.mjmlRenders ?? (quick ? 40 : 150);
  const fills = sizes?.fills ?? (quick ? 3000 : 20_000);
  const inbox: DevInbox = await startDevInbox({ keep: 'headers' });
  const smtp = devInboxSmtp(inbox.smtpPort, FROM, IN_FLIGHT);
  const renderer = new TemplateRenderer();
  await renderer.compileAll();
  const source = await loadTemplateSource(TEMPLATE);
  const mjmlOptions = {
    filePath: source.bodyPath,
    includePath: source.templatesDir,
    ignoreIncludes: false,
    fonts: {},
  };

  /** The naive renderer: every mail compiles its Handlebars and runs MJML on the filled source. */
  async function renderNaive(
    variables: TemplateVariables,
  ): Promise<{ subject: string; html: string; text: string }> {
    const subject = toSubjectLine(
      Handlebars.compile(source.subject, { noEscape: true })(prepareVariables(variables)),
    );
    const data = prepareVariables(variables, { subject });
    const { html } = await mjml2html(Handlebars.compile(source.mjml)(data), mjmlOptions);
    const text = Handlebars.compile(source.text, { noEscape: true })(data);
    return { subject, html, text };
  }

  const toMail = (index: number, rendered: { subject: string; html: string; text: string }) => ({
    from: FROM,
    to: `user${index}@example.test`,
    subject: rendered.subject,
    html: rendered.html,
    text: rendered.text,
  });

  const results: Array<{ path: string; seconds: number; mails: number }> = [];
  async function sendPhase(
    path: string,
    job: (index: number) => Promise<void>,
    count = mails,
  ): Promise<void> {
    inbox.clear();
    await job(-1); // warm-up: connections, JIT
    inbox.clear();
    const seconds = await timed(count, IN_FLIGHT, job);
    await inbox.waitForMessages(count, 30_000);
    results.push({ path, seconds, mails: count });
  }

  await sendPhase(
    'naive: mjml2html per mail + new connection per mail',
    async (index) => {
      const rendered = await renderNaive(variablesFor(index));
      const transporter = nodemailer.createTransport({ host: '127.0.0.1', port: inbox.smtpPort });
      try {
        await transporter.sendMail(toMail(index, rendered));
      } finally {
        transporter.close();
      }
    },
    naiveMails,
  );

  const stockPool = nodemailer.createTransport({
    pool: true,
    maxConnections: IN_FLIGHT,
    host: '127.0.0.1',
    port: inbox.smtpPort,
  });
  await sendPhase('compiled fill + stock pooled nodemailer', async (index) => {
    await stockPool.sendMail(toMail(index, renderer.render(TEMPLATE, variablesFor(index))));
  });
  stockPool.close();

  const transport = createSmtpTransport(smtp);
  await sendPhase("herald: compiled fill + Herald's pooled transport", async (index) => {
    const rendered = renderer.render(TEMPLATE, variablesFor(index));
    const mail: OutgoingMail = { from: FROM, to: { address: `user${index}@example.test` }, ...rendered };
    await transport.send(mail);
  });
  await transport.close();
  await inbox.close();

  // Render only: no SMTP, one mail at a time.
  const mjmlStarted = performance.now();
  for (let index = 0; index < mjmlRenders; index++) await renderNaive(variablesFor(index));
  const mjmlMsPerMail = (performance.now() - mjmlStarted) / mjmlRenders;
  const fillStarted = performance.now();
  for (let index = 0; index < fills; index++) renderer.render(TEMPLATE, variablesFor(index));
  const fillMsPerMail = (performance.now() - fillStarted) / fills;

  return {
    quick,
    template: TEMPLATE,
    mails,
    inFlight: IN_FLIGHT,
    paths: results.map(({ path, seconds, mails: count }) => ({
      path,
      seconds,
      mailsPerSecond: count / seconds,
    })),
    renderOnly: {
      mjmlMsPerMail,
      fillMsPerMail,
      ratio: mjmlMsPerMail / fillMsPerMail,
      mjmlRenders,
      fills,
    },
  };
}

/** The result as the small table the command prints. */
export function formatEmailBench(result: EmailBenchResult): string {
  const naiveRate = result.paths[0]?.mailsPerSecond ?? 1;
  const { renderOnly } = result;
  const lines = [
    `E-mail bench (${result.quick ? 'quick' : 'full'}): template ${result.template}, ${result.mails} mails per path, ` +
      `${result.inFlight} in flight, local dev inbox`,
    '',
    `${'path'.padEnd(52)} ${'seconds'.padStart(8)} ${'mails/s'.padStart(9)} ${'vs naive'.padStart(9)}`,
    ...result.paths.map(
      ({ path, seconds, mailsPerSecond }) =>
        `${path.padEnd(52)} ${seconds.toFixed(2).padStart(8)} ${mailsPerSecond.toFixed(1).padStart(9)} ` +
        `${`${(mailsPerSecond / naiveRate).toFixed(1)}x`.padStart(9)}`,
    ),
    '',
    `${'render only, one mail at a time'.padEnd(52)} ${'ms/mail'.padStart(8)}`,
    `${`mjml2html per mail (${renderOnly.mjmlRenders} renders)`.padEnd(52)} ${renderOnly.mjmlMsPerMail.toFixed(3).padStart(8)}`,
    `${`compiled fill (${renderOnly.fills} renders)`.padEnd(52)} ${renderOnly.fillMsPerMail.toFixed(3).padStart(8)}`,
    `${'ratio'.padEnd(52)} ${`${renderOnly.ratio.toFixed(0)}x`.padStart(8)}`,
  ];
  return `${lines.join('\n')}\n`;
}

// Run when executed as a script; importing it (e.g. from a bench runner) only defines the functions.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  runEmailBench({ quick: process.argv.includes('--quick') }).then(
    (result) => process.stdout.write(formatEmailBench(result)),
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exit(1);
    },
  );
}
