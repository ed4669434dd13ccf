/** Logged once when the worker starts without usable SMTP settings, and the reason of every skipped delivery. */
export const SMTP_DISABLED_REASON = 'SMTP configuration incomplete. Email notifications will be disabled.';

/** The reason of a delivery whose worker stopped between handing the mail over and hearing back. */
export const HANDED_OVER_REASON =
  'The worker stopped after handing this mail to the SMTP server: recorded as sent, not sent again';
