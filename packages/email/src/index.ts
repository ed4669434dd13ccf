export {
  TemplateRenderer,
  type RenderedEmail,
  type RenderOptions,
  type PreviewOptions,
} from './template-renderer';
export {
  describeTemplates,
  TEMPLATE_NAMES,
  TASK_VARIABLES,
  type TemplateDescription,
  type TemplateVariableDescription,
} from './template-catalog';
export { loadTemplateSource, DEFAULT_TEMPLATES_DIR, type TemplateSource } from './template-source';
export { compileMjml } from './mjml-compiler';
export {
  prepareVariables,
  HERALD_BRANDING,
  type Branding,
  type TemplateVariables,
} from './template-variables';
export { formatDuration, formatUtc, toSubjectLine } from './format';
export type { Transport, OutgoingMail, SentMail } from './transport';
export { createSmtpTransport, type SmtpTransportOptions } from './smtp-transport';
export { classifySendError, type SendErrorKind, type SendErrorClassification } from './send-errors';
export {
  startDevInbox,
  type DevInbox,
  type DevInboxOptions,
  type RefuseMode,
  type ReceivedMail,
} from './dev-inbox';
export {
  createUnsubscribeToken,
  verifyUnsubscribeToken,
  unsubscribeUrl,
  type UnsubscribeScope,
} from './unsubscribe-token';
export {
  createRunLinkToken,
  verifyRunLinkToken,
  runLinkUrl,
  type RunLinkScope,
  type RunLinkCheck,
} from './run-link-token';
export {
  getPreferences,
  updatePreferences,
  unsubscribe,
  DEFAULT_PREFERENCES,
  type NotificationPreferences,
} from './preferences';
export { HANDED_OVER_REASON, SMTP_DISABLED_REASON } from './delivery-reasons';
export {
  EmailService,
  type EmailServiceOptions,
  type EmailRenderer,
  type DeliverAttempt,
  type DeliveryOutcome,
} from './email-service';
export { buildDeliveryVariables, errorMessageOf } from './delivery-variables';
export { emailSettingsFromConfig, createTransportFromConfig } from './from-config';
export {
  TransientDeliveryError,
  TemplateCompileError,
  UnknownTemplateError,
  RendererNotReadyError,
} from './errors';
export { DigestSender, digestKeyFor, digestWindow, type DigestJob } from './digest-sender';
export { brandingOf, automaticMailHeaders } from './mail-parts';
export { refusedBrandColor, MIN_TEXT_CONTRAST } from './brand-colors';
