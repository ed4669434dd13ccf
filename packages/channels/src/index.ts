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
} from './channel-config';
export { slackMessage, pagerDutyEvent } from './messages';
export { refusedChannelUrl, PRIVATE_URL_REASON, type ChannelUrlPolicy } from './channel-url';
