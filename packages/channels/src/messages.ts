import Handlebars from 'handlebars';
import type { NotificationDelivery, TaskRun } from '@herald/db';
import { PAGERDUTY_EVENTS_URL, type PagerDutyConfig } from './channel-config';
import { runErrorOf } from './run-error';

const handlebars = Handlebars.create();
const subjects = new Map<string, Handlebars.TemplateDelegate>();

/** Slack mrkdwn treats &, < and > as markup. */
const escapeSlack = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function fillSubject(template: string, variables: Record<string, unknown>): string {
  // A rule without a subject of its own (emailNotification's default): the run's title and status.
  if (!template) template = '{{run_title}} {{status}}';
  let fill = subjects.get(template);
  if (!fill) {
    fill = handlebars.compile(template, { noEscape: true, strict: false });
    if (subjects.size < 500) subjects.set(template, fill);
  }
  return fill(variables)
    .replace(/[\r\n\t]+/g, ' ')
    .slice(0, 300);
}

export interface MessageContext {
  delivery: NotificationDelivery;
  run: TaskRun;
  frontendUrl: string;
}

export function variables({ delivery, run, frontendUrl }: MessageContext) {
  const result = run.result && typeof run.result === 'object' && !Array.isArray(run.result) ? run.result : {};
  const error = (run.error as { message?: string } | null)?.message;
  return {
    ...result,
    ...(delivery.context && typeof delivery.context === 'object' ? delivery.context : {}),
    task_name: run.task,
    run_title: run.title ?? run.task,
    task_id: run.id,
    status: delivery.phase,
    error_message: error,
    frontend_url: frontendUrl,
  };
}

export const runLink = ({ run, frontendUrl }: MessageContext) =>
  `${frontendUrl.replace(/\/$/, '')}/runs/${run.id}`;

/** Phases whose message shows where the run failed: the first lines of the error's stack. */
const FAILURE_PHASES = new Set(['failed', 'retrying']);

/** The run's error for a message: its message, then the first stack lines of a failure. */
export function errorText(ctx: MessageContext): string | undefined {
  const error = runErrorOf(ctx.run);
  if (!error?.message) return undefined;
  const stack = FAILURE_PHASES.has(ctx.delivery.phase) ? error.stack : [];
  return [error.message.slice(0, 2_000), ...stack.map((line) => `    ${line}`)].join('\n');
}

export const STATUS_ICON: Record<string, string> = {
  succeeded: '✅',
  failed: '❌',
  timed_out: '⏱️',
  cancelled: '🚫',
  retrying: '🔁',
};

/** A Slack incoming-webhook message: the subject line, status, task and a link to the run. */
export function slackMessage(ctx: MessageContext) {
  const vars = variables(ctx);
  const title = escapeSlack(fillSubject(ctx.delivery.subject, vars));
  const link = runLink(ctx);
  const fields = [
    `*Task*\n${escapeSlack(ctx.run.task)}`,
    `*Status*\n${STATUS_ICON[ctx.delivery.phase] ?? ''} ${ctx.delivery.phase}`,
  ];
  const error = errorText(ctx);
  return {
    text: `${STATUS_ICON[ctx.delivery.phase] ?? ''} ${title}`.trim(),
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: `*${title}*` } },
      { type: 'section', fields: fields.map((text) => ({ type: 'mrkdwn', text })) },
      ...(error
        ? [
            {
              type: 'section',
              text: { type: 'mrkdwn', text: `\`\`\`${escapeSlack(error)}\`\`\`` },
            },
          ]
        : []),
      {
        type: 'actions',
        elements: [{ type: 'button', text: { type: 'plain_text', text: 'View run' }, url: link }],
      },
    ],
  };
}

/** A PagerDuty Events API v2 event: trigger on a failure, resolve on a success, one incident per task or schedule. */
export function pagerDutyEvent(ctx: MessageContext, config: PagerDutyConfig) {
  const context = (ctx.delivery.context ?? {}) as { alert_key?: string };
  const key = context.alert_key ?? ctx.run.scheduleName ?? ctx.run.task;
  const dedupKey = `herald:${ctx.run.organizationId}:${key}`;
  const isResolve = ctx.delivery.phase === 'succeeded';
  const error = runErrorOf(ctx.run);
  const event = isResolve
    ? { routing_key: config.routingKey, event_action: 'resolve', dedup_key: dedupKey }
    : {
        routing_key: config.routingKey,
        event_action: 'trigger',
        dedup_key: dedupKey,
        payload: {
          summary: fillSubject(ctx.delivery.subject, variables(ctx)),
          source: 'herald',
          severity: ctx.delivery.phase === 'retrying' ? 'warning' : 'error',
          component: ctx.run.task,
          custom_details: {
            run_id: ctx.run.id,
            status: ctx.delivery.phase,
            error: error?.message || undefined,
            error_name: error?.name,
            stack: error?.stack.length && FAILURE_PHASES.has(ctx.delivery.phase) ? error.stack : undefined,
          },
        },
        links: [{ href: runLink(ctx), text: 'View run in Herald' }],
      };
  return { url: config.eventsUrl ?? PAGERDUTY_EVENTS_URL, event };
}
