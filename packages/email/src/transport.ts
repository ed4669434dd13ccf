/** One mail, ready to go: rendered, addressed, with its extra headers. */
export interface OutgoingMail {
  from: string;
  /** Exactly one recipient: Herald mails a run's owner and nobody else. */
  to: { address: string; name?: string | null };
  subject: string;
  html: string;
  text: string;
  headers?: Record<string, string>;
  /**
   * Prepares a record of the hand-over. Called with the mail's Message-ID once the whole message
   * is with the server, before the end-of-data line that makes the server take it; resolves with
   * a function that the transport calls right before it writes that line, in the same
   * synchronous step, so the record is on its way before the server can accept the mail and no
   * other code runs between the two. If the promise rejects, the transaction is abandoned: the
   * server drops the message and send() fails.
   */
  prepareHandOver?: (messageId: string) => Promise<() => void>;
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
