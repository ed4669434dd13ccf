export {
  ChannelService,
  TransientChannelError,
  type ChannelAttempt,
  type ChannelOutcome,
} from './channel-service';
export {
  channelConfigSchemas,
  describeChannel,
  isChannelKind,
  CHANNEL_KINDS,
  PAGERDUTY_EVENTS_URL,
  type ChannelKind,
  type SlackConfig,
  type PagerDutyConfig,
  type TeamsConfig,
  type WebhookConfig,
} from './channel-config';
export { channelNameSchema, parseChannelRef, formatChannelRef, type ChannelRef } from './channel-ref';
export { slackMessage, pagerDutyEvent } from './messages';
export { teamsMessage } from './teams-message';
export {
  webhookPayload,
  signWebhook,
  generateWebhookSecret,
  SIGNATURE_HEADER,
  DELIVERY_HEADER,
} from './webhook-message';
export { refusedChannelUrl, PRIVATE_URL_REASON, type ChannelUrlPolicy } from './channel-url';
export {
  checkChannelConfig,
  listChannels,
  saveChannel,
  removeChannel,
  ChannelConfigError,
  type ChannelDescription,
  type ChannelFieldIssue,
  type SavedChannel,
} from './channel-settings';
