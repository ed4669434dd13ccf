import type { DkimConfig } from './dkim-config';
import { domainOfAddress, isAligned } from './dkim-config';
import type { Env } from './schema';

/** A setting production refuses: the variable and why. */
export interface SettingProblem {
  variable: string;
  message: string;
}

/**
 * Sender domains no mailbox provider accepts mail from: mDNS and loopback names, and the names
 * RFC 2606 and RFC 6761 reserve as examples or as invalid. `.test` is left out on purpose: it is
 * what Herald's own production-mode tests send from, against a local SMTP server.
 */
const UNREAL_DOMAIN = /(^|\.)(local|localhost|localdomain|invalid|example|example\.(com|net|org))$/;

function isHttps(url: string): boolean {
  try {
    return new URL(url).protocol === 'https:';
  } catch {
    return false;
  }
}

/**
 * What NODE_ENV=production refuses to start with, besides a missing HERALD_SECRET: a sender
 * domain that cannot be real, and links in mail that are not https (unsubscribe links go to
 * PUBLIC_API_URL, "View results" to FRONTEND_URL or the console).
 */
export function productionProblems(env: Env): SettingProblem[] {
  const problems: SettingProblem[] = [];
  const fromDomain = domainOfAddress(env.SMTP_FROM);
  if (!fromDomain || UNREAL_DOMAIN.test(fromDomain) || !fromDomain.includes('.'))
    problems.push({
      variable: 'SMTP_FROM',
      message: `expected a sender on a real domain in production, e.g. "Herald <no-reply@yourcompany.com>" (got "${env.SMTP_FROM}")`,
    });
  if (!env.PUBLIC_API_URL)
    problems.push({
      variable: 'PUBLIC_API_URL',
      message: 'required in production: the https base of unsubscribe links (it is not set)',
    });
  else if (!isHttps(env.PUBLIC_API_URL))
    problems.push({
      variable: 'PUBLIC_API_URL',
      message: `expected an https:// URL in production (got "${env.PUBLIC_API_URL}")`,
    });
  for (const variable of ['FRONTEND_URL', 'CONSOLE_URL'] as const) {
    const value = env[variable];
    if (value !== undefined && !isHttps(value))
      problems.push({ variable, message: `expected an https:// URL in production (got "${value}")` });
  }
  return problems;
}

/** What is worth one warning at start: no DKIM in production, or a DKIM domain that does not align with From. */
export function deliverabilityWarnings(env: Env, dkim: DkimConfig | null): string[] {
  const fromDomain = domainOfAddress(env.SMTP_FROM);
  if (dkim && fromDomain && !isAligned(dkim.domainName, fromDomain))
    return [
      `DKIM_DOMAIN ${dkim.domainName} does not align with the SMTP_FROM domain ${fromDomain}: DMARC will not pass on this signature`,
    ];
  if (!dkim && env.NODE_ENV === 'production')
    return [
      'DKIM_PRIVATE_KEY is not set: mail goes out unsigned, and Gmail, Yahoo and Outlook.com reject or junk unsigned bulk mail (see docs/deploy.md)',
    ];
  return [];
}
