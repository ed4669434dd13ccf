/** A mail the dev inbox accepted, parsed. */
export interface ReceivedMail {
  /** Position in arrival order, from 1; the HTTP inbox shows it at /messages/:id. */
  id: number;
  /** Every address it was delivered to: the SMTP envelope's RCPT TO, which includes Bcc. */
  to: string[];
  /** The From header as text. */
  from: string;
  /** The SMTP envelope's MAIL FROM. */
  envelopeFrom: string;
  subject: string;
  text: string;
  html: string;
  /** Lower-case header name -> unfolded value as sent (the first, when a header repeats). */
  headers: Record<string, string>;
  messageId: string;
  /** The message exactly as it came over the wire. */
  raw: string;
  receivedAt: Date;
}
