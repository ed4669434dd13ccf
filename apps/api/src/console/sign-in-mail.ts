import type { Logger } from 'pino';
import type { Config } from '@herald/config';
import type { Transport } from '@herald/email';

/** The sign-in mail: plain, short, and sent through Herald's own SMTP transport (so DKIM signs it). */
export async function sendSignInMail(
  transport: Transport | null,
  config: Config,
  logger: Logger,
  mail: { to: string; link: string },
): Promise<void> {
  if (!transport) {
    logger.warn({ problem: config.smtpProblem }, 'console sign-in link not mailed: e-mail is disabled');
    return;
  }
  const text = `Sign in to Herald by opening this link:\n\n${mail.link}\n\nIt works once, for 15 minutes. If you did not ask to sign in, ignore this mail.`;
  const html = `<p>Sign in to Herald by opening this link:</p>
<p><a href="${mail.link}">Sign in to Herald</a></p>
<p>It works once, for 15 minutes. If you did not ask to sign in, ignore this mail.</p>`;
  await transport.send({
    from: config.smtp?.from ?? config.SMTP_FROM,
    to: { address: mail.to },
    subject: 'Your Herald sign-in link',
    text,
    html,
    headers: { 'Auto-Submitted': 'auto-generated', 'X-Auto-Response-Suppress': 'All' },
  });
}
