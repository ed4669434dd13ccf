import type { z } from 'zod';
import { channelConfigSchemas, type ChannelKind } from './channel-config';
import { pagerDutyEvent, slackMessage, type MessageContext } from './messages';
import { teamsMessage } from './teams-message';
import { DELIVERY_HEADER, signWebhook, SIGNATURE_HEADER, webhookPayload } from './webhook-message';

/** One POST to a channel's receiver: the exact JSON text, and its headers. */
export interface ChannelRequest {
  url: string;
  body: string;
  headers: Record<string, string>;
}

/** A stored webhook channel has its secret: given by the organization, or generated when saved. */
const storedWebhookConfig = channelConfigSchemas.webhook.required({ secret: true });

/** The stored config cannot make a request; the organization must set the channel up again. */
export class ChannelSetupError extends Error {
  override name = 'ChannelSetupError';
}

function storedConfig<T extends z.ZodType>(kind: ChannelKind, schema: T, config: unknown): z.output<T> {
  const parsed = schema.safeParse(config);
  if (parsed.success) return parsed.data;
  const fields = parsed.error.issues.map((issue) => issue.path.join('.') || '(config)').join(', ');
  throw new ChannelSetupError(`the stored ${kind} channel is incomplete (${fields}): connect it again`);
}

/** The request that tells a channel of this kind about the delivery's run. */
export function channelRequest(kind: ChannelKind, config: unknown, ctx: MessageContext): ChannelRequest {
  switch (kind) {
    case 'slack': {
      const { webhookUrl } = storedConfig(kind, channelConfigSchemas.slack, config);
      return { url: webhookUrl, body: JSON.stringify(slackMessage(ctx)), headers: {} };
    }
    case 'teams': {
      const { webhookUrl } = storedConfig(kind, channelConfigSchemas.teams, config);
      return { url: webhookUrl, body: JSON.stringify(teamsMessage(ctx)), headers: {} };
    }
    case 'pagerduty': {
      const { url, event } = pagerDutyEvent(ctx, storedConfig(kind, channelConfigSchemas.pagerduty, config));
      return { url, body: JSON.stringify(event), headers: {} };
    }
    case 'webhook': {
      const { webhookUrl: url, secret } = storedConfig(kind, storedWebhookConfig, config);
      const body = JSON.stringify(webhookPayload(ctx));
      return {
        url,
        body,
        headers: {
          [SIGNATURE_HEADER]: signWebhook(secret, body),
          [DELIVERY_HEADER]: ctx.delivery.id,
          'user-agent': 'Herald-Webhook/1',
        },
      };
    }
  }
}
