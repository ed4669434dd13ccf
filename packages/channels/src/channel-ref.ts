import { z } from 'zod';

/** A channel's name: what follows the kind in a rule's `notify('slack:alerts', ...)`. */
export const channelNameSchema = z
  .string()
  .regex(
    /^[a-z0-9][a-z0-9_-]{0,62}$/,
    'expected 1 to 63 lowercase letters, digits, "-" or "_", starting with a letter or digit',
  );

export interface ChannelRef {
  kind: string;
  /** '' for the organization's default channel of the kind. */
  name: string;
}

/** Reads a rule's channel: "slack" is the default Slack channel, "slack:alerts" the one named "alerts". */
export function parseChannelRef(channel: string): ChannelRef {
  const colon = channel.indexOf(':');
  if (colon < 0) return { kind: channel, name: '' };
  return { kind: channel.slice(0, colon), name: channel.slice(colon + 1) };
}

export const formatChannelRef = ({ kind, name }: ChannelRef) => (name ? `${kind}:${name}` : kind);
