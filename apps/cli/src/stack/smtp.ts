import type { Logger } from '../cli/logger';
import type { ResolvedService } from './service';

export interface ResolvedSmtp extends ResolvedService {
  host: string;
  port: number;
  /** The development inbox's web page, when this process started it. */
  inboxUrl?: string;
}

export interface ResolveSmtpOptions {
  /** The user's SMTP settings when SMTP_HOST is set: used as they are. */
  configured?: { host: string; port: number };
  log: Logger;
}

/** The user's SMTP server, else a development inbox that keeps every mail for viewing. */
export async function resolveSmtp({ configured, log }: ResolveSmtpOptions): Promise<ResolvedSmtp> {
  if (configured) {
    const url = `smtp://${configured.host}:${configured.port}`;
    return {
      ...configured,
      url,
      source: 'environment',
      description: `${url} (SMTP_HOST)`,
      stop: async () => undefined,
    };
  }
  // Loaded on demand: the mail stack (mjml, nodemailer) is heavy and only the demo needs it here.
  const { startDevInbox } = await import('@herald/email');
  const inbox = await startDevInbox({ smtpPort: 0, httpPort: 0 });
  log.info({ smtpPort: inbox.smtpPort, inbox: inbox.httpUrl }, 'started the development inbox');
  let isOpen = true;
  return {
    host: '127.0.0.1',
    port: inbox.smtpPort,
    url: `smtp://127.0.0.1:${inbox.smtpPort}`,
    inboxUrl: inbox.httpUrl ?? undefined,
    source: 'started',
    description: `development inbox: SMTP on 127.0.0.1:${inbox.smtpPort}, mail at ${inbox.httpUrl ?? '(no web inbox)'} (started)`,
    async stop() {
      if (!isOpen) return;
      isOpen = false;
      await inbox.close();
    },
  };
}
