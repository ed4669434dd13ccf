import type { DkimConfig } from '@herald/config';
import DKIM from 'nodemailer/lib/dkim';

/**
 * The headers every signature covers, whether or not a mail carries them (a listed header a mail
 * lacks is left out of `h=`). RFC 8058 §4: a client offers one-click unsubscribe only when
 * List-Unsubscribe and List-Unsubscribe-Post are both signed; nodemailer's default list leaves
 * List-Unsubscribe-Post out.
 */
export const DKIM_SIGNED_HEADERS = [
  'From',
  'To',
  'Cc',
  'Reply-To',
  'Subject',
  'Date',
  'Message-ID',
  'List-Unsubscribe',
  'List-Unsubscribe-Post',
  'List-Id',
  'Auto-Submitted',
  'MIME-Version',
  'Content-Type',
  'Content-Transfer-Encoding',
] as const;

/** Signs a whole message: returns it with a DKIM-Signature header in front. */
export type MessageSigner = (raw: Buffer) => Promise<Buffer>;

/**
 * DKIM signing with nodemailer's signer, applied to the message Herald composed before it goes to
 * the transport. Signing there, not as the transport's `dkim` option, keeps the signer out of the
 * stream that carries the message to the socket: it reads the whole message before writing a
 * byte, which the hand-over's wait for the message to reach the socket would never see end.
 */
export function createDkimSigner(dkim: DkimConfig): MessageSigner {
  const signer = new DKIM({
    domainName: dkim.domainName,
    keySelector: dkim.keySelector,
    privateKey: dkim.privateKey,
    headerFieldNames: DKIM_SIGNED_HEADERS.join(':'),
  });
  return async (raw) => {
    const chunks: Buffer[] = [];
    for await (const chunk of signer.sign(raw)) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  };
}
