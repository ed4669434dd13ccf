import type { ReceivedMail } from '@herald/email';

/** The headers Herald's mails carry; anything else in a mail is an injected header. */
const EXPECTED_HEADERS = new Set([
  'from',
  'to',
  'subject',
  'message-id',
  'date',
  'mime-version',
  'content-type',
  'content-transfer-encoding',
  'list-unsubscribe',
  'list-unsubscribe-post',
  'auto-submitted',
  'list-id',
  'x-auto-response-suppress',
  'dkim-signature',
]);
const ONCE = ['from', 'to', 'subject', 'message-id', 'list-id'];

function headerBlock(mail: ReceivedMail): string {
  const end = mail.raw.indexOf('\r\n\r\n');
  return end === -1 ? mail.raw : mail.raw.slice(0, end);
}

/**
 * Problems with a mail's header section as it came over the wire: a line that is neither a
 * header nor a continuation, a raw CR/LF/control or non-ASCII byte, a header Herald does not
 * send (an injected Bcc, say), a repeated To/Subject, a To naming anyone but the owner.
 */
export function findHeaderProblems(mail: ReceivedMail, owner: string): string[] {
  const problems: string[] = [];
  const names = new Map<string, number>();
  const values = new Map<string, string>();
  let current = '';
  for (const line of headerBlock(mail).split('\r\n')) {
    if (/[^\x20-\x7e\t]/.test(line))
      problems.push(`raw control or non-ASCII character in header line ${JSON.stringify(line.slice(0, 80))}`);
    if (/^[ \t]/.test(line)) {
      if (current) values.set(current, `${values.get(current) ?? ''} ${line.trim()}`);
      continue;
    }
    const match = /^([A-Za-z0-9-]+):(.*)$/.exec(line);
    if (!match) {
      problems.push(`not a header line: ${JSON.stringify(line.slice(0, 80))}`);
      continue;
    }
    current = match[1]!.toLowerCase();
    names.set(current, (names.get(current) ?? 0) + 1);
    values.set(current, match[2]!.trim());
  }
  for (const name of names.keys())
    if (!EXPECTED_HEADERS.has(name))
      problems.push(`unexpected header ${name}: ${values.get(name)?.slice(0, 80)}`);
  for (const name of ONCE)
    if (names.get(name) !== 1) problems.push(`${names.get(name) ?? 0} ${name} headers`);
  if (/[\r\n]/.test(mail.subject))
    problems.push(`the decoded subject holds a line break: ${JSON.stringify(mail.subject)}`);
  if (mail.to.length !== 1 || mail.to[0] !== owner)
    problems.push(`delivered to ${mail.to.join(', ')} instead of ${owner}`);
  // One address in To: with encoded words and quoted strings taken out, only `[name] <owner>` may remain.
  const to = (values.get('to') ?? '')
    .replace(/=\?[^?]+\?[BbQq]\?[^?]*\?=/g, 'W')
    .replace(/"(?:[^"\\]|\\.)*"/g, 'Q');
  const addressPattern = new RegExp(
    `^(?:[^<>,;@"]*\\s)?<${owner.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}>$|^${owner.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`,
  );
  if (!addressPattern.test(to)) problems.push(`To is not just the owner: ${values.get('to')}`);
  return problems;
}

/** Tags and attributes that only an unescaped value could have put in Herald's HTML. */
const INJECTED_MARKUP =
  /<\s*\/?\s*(?:script|svg|iframe|object|embed|img|hx-evil|style\s*>\s*\*)|\son[a-z]+\s*=/i;

/**
 * Problems with a mail's HTML: markup that came from data (a script, an event handler...), or a
 * link or image whose URL is not http(s) (a javascript: link from data).
 */
export function findBodyProblems(mail: ReceivedMail): string[] {
  const problems: string[] = [];
  const injected = INJECTED_MARKUP.exec(mail.html);
  if (injected)
    problems.push(
      `markup from data in the HTML: ${JSON.stringify(mail.html.slice(Math.max(0, injected.index - 40), injected.index + 60))}`,
    );
  for (const match of mail.html.matchAll(
    /\s(?:href|src|action|background)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))/gi,
  )) {
    const url = (match[1] ?? match[2] ?? match[3] ?? '').replace(/&amp;/g, '&');
    if (!/^https?:\/\//i.test(url))
      problems.push(`a non-http(s) URL in the HTML: ${JSON.stringify(url.slice(0, 80))}`);
  }
  return problems;
}
