import { z } from 'zod';

const httpUrl = z.url({ protocol: /^https?$/, message: 'expected an http(s) URL' });

export const PAGERDUTY_EVENTS_URL = 'https://events.pagerduty.com/v2/enqueue';

/** What an organization stores per channel kind. Every field here is a secret. */
export const channelConfigSchemas = {
  slack: z.object({ webhookUrl: httpUrl }).strict(),
  pagerduty: z
    .object({
      routingKey: z.string().min(8, 'expected the integration (routing) key').max(128),
      /** Only for a PagerDuty-compatible endpoint other than PagerDuty's own. */
      eventsUrl: httpUrl.optional(),
    })
    .strict(),
} as const;

export type ChannelKind = keyof typeof channelConfigSchemas;
export const CHANNEL_KINDS = Object.keys(channelConfigSchemas) as ChannelKind[];
export type SlackConfig = z.infer<typeof channelConfigSchemas.slack>;
export type PagerDutyConfig = z.infer<typeof channelConfigSchemas.pagerduty>;

export function isChannelKind(kind: string): kind is ChannelKind {
  // Own keys only: `in` also finds "__proto__", "constructor" and "toString" on Object.prototype.
  return Object.hasOwn(channelConfigSchemas, kind);
}

/** What the API may show of a channel: that it is configured, never its secrets. */
export function describeChannel(kind: ChannelKind, config: unknown) {
  if (kind === 'slack') {
    const host = (() => {
      try {
        return new URL((config as SlackConfig).webhookUrl).host;
      } catch {
        return null;
      }
    })();
    return { kind, configured: true, webhookHost: host };
  }
  const key = (config as PagerDutyConfig).routingKey ?? '';
  return { kind, configured: true, routingKeyEnding: key.slice(-4) };
}
