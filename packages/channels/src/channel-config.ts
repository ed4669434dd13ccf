import { z } from 'zod';

const httpUrl = z.url({ protocol: /^https?$/, message: 'expected an http(s) URL' });

export const PAGERDUTY_EVENTS_URL = 'https://events.pagerduty.com/v2/enqueue';

/**
 * What an organization stores per channel kind. Every field here is a secret, and every field
 * whose name ends in "Url" is a URL the worker POSTs to (checked against the URL policy).
 */
export const channelConfigSchemas = {
  slack: z.object({ webhookUrl: httpUrl }).strict(),
  pagerduty: z
    .object({
      routingKey: z.string().min(8, 'expected the integration (routing) key').max(128),
      /** Only for a PagerDuty-compatible endpoint other than PagerDuty's own. */
      eventsUrl: httpUrl.optional(),
    })
    .strict(),
  /** A Microsoft Teams Workflows ("When a Teams webhook request is received") URL. */
  teams: z.object({ webhookUrl: httpUrl }).strict(),
  webhook: z
    .object({
      webhookUrl: httpUrl,
      /** Signs every request (HMAC-SHA256); Herald generates one when it is not given. */
      secret: z
        .string()
        .min(16, 'expected a secret of at least 16 characters')
        .max(256, 'expected a secret of at most 256 characters')
        .optional(),
    })
    .strict(),
} as const;

export type ChannelKind = keyof typeof channelConfigSchemas;
export const CHANNEL_KINDS = Object.keys(channelConfigSchemas) as ChannelKind[];
export type SlackConfig = z.infer<typeof channelConfigSchemas.slack>;
export type PagerDutyConfig = z.infer<typeof channelConfigSchemas.pagerduty>;
export type TeamsConfig = z.infer<typeof channelConfigSchemas.teams>;
/** As stored: the secret is always there once the channel is saved. */
export type WebhookConfig = Required<z.infer<typeof channelConfigSchemas.webhook>>;

export function isChannelKind(kind: string): kind is ChannelKind {
  // Own keys only: `in` also finds "__proto__", "constructor" and "toString" on Object.prototype.
  return Object.hasOwn(channelConfigSchemas, kind);
}

function hostOf(url: unknown): string | null {
  try {
    return new URL(String(url)).host;
  } catch {
    return null;
  }
}

/**
 * What the API may show of a channel: that it is configured, its name ('' for the organization's
 * default of its kind) and where it leads, never its secrets (a webhook URL's path and query may
 * hold a token, so only its host is shown).
 */
export function describeChannel(kind: ChannelKind, config: unknown, name = '') {
  const stored = (config ?? {}) as Record<string, unknown>;
  switch (kind) {
    case 'slack':
    case 'teams':
    case 'webhook':
      return { kind, name, configured: true as const, webhookHost: hostOf(stored.webhookUrl) };
    case 'pagerduty': {
      const key = typeof stored.routingKey === 'string' ? stored.routingKey : '';
      return { kind, name, configured: true as const, routingKeyEnding: key.slice(-4) };
    }
  }
}
