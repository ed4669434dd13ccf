/** One mail, ready to go: rendered, addressed, with its extra headers. */
export interface OutgoingMail {
  from: string;
  /** Exactly one recipient: Herald mails a run's owner and nobody else. */
  to: { address: string; name?: string | null };
  subject: string;
  html: string;
  text: string;
  headers?: Record<string, string>;
}

export interface SentMail {
  /** The Message-ID header of the mail as sent. */
  messageId: string;
}

/** Where mail goes out. SMTP (nodemailer) is one implementation; tests and the demo send to the dev inbox over SMTP too. */
export interface Transport {
  send(mail: OutgoingMail): Promise<SentMail>;
  /** Checks that the server answers (and accepts the credentials). */
  verify(): Promise<void>;
  /** Closes pooled connections; call on shutdown. */
  close(): Promise<void>;
}
