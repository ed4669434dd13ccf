import { errorText, fillSubject, runLink, STATUS_ICON, variables, type MessageContext } from './messages';

export const ADAPTIVE_CARD_CONTENT_TYPE = 'application/vnd.microsoft.card.adaptive';

/**
 * A Microsoft Teams message for a Workflows webhook ("When a Teams webhook request is received"):
 * one Adaptive Card with the subject line, the task and status as facts, the error of a failed
 * run and a button to the run. Workflows take Adaptive Cards only, never the older MessageCard.
 */
export function teamsMessage(ctx: MessageContext) {
  const title = fillSubject(ctx.delivery.subject, variables(ctx));
  const icon = STATUS_ICON[ctx.delivery.phase] ?? '';
  const error = errorText(ctx);
  return {
    type: 'message',
    attachments: [
      {
        contentType: ADAPTIVE_CARD_CONTENT_TYPE,
        contentUrl: null,
        content: {
          $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
          type: 'AdaptiveCard',
          version: '1.4',
          body: [
            {
              type: 'TextBlock',
              text: `${icon} ${title}`.trim(),
              size: 'Medium',
              weight: 'Bolder',
              wrap: true,
            },
            {
              type: 'FactSet',
              facts: [
                { title: 'Task', value: ctx.run.task },
                { title: 'Status', value: ctx.delivery.phase },
                { title: 'Run', value: ctx.run.id },
              ],
            },
            ...(error
              ? [{ type: 'TextBlock', text: error, wrap: true, fontType: 'Monospace', color: 'Attention' }]
              : []),
          ],
          actions: [{ type: 'Action.OpenUrl', title: 'View run', url: runLink(ctx) }],
        },
      },
    ],
  };
}
