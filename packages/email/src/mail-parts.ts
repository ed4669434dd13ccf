import type { Organization } from '@herald/db';
import { encodeWord, isPlainText, quoteString } from 'nodemailer/lib/mime-funcs';
import type { Branding } from './template-variables';

/** The organization's look, as the templates take it. */
export function brandingOf(organization: Organization | null | undefined): Branding | null {
  if (!organization) return null;
  return {
    organizationName: organization.name,
    logoUrl: organization.logoUrl,
    brandColor: organization.brandColor,
    footerText: organization.footerText,
  };
}

/**
 * `List-Id` (RFC 2919): one list per organization, in the sender's domain, so a recipient's
 * filters and a provider's feedback can tell one tenant's notifications from another's.
 */
export function listIdOf(organization: Pick<Organization, 'id' | 'name'>, from: string): string {
  const domain = /@([^\s<>@]+)>?\s*$/.exec(from)?.[1]?.toLowerCase() ?? 'localhost';
  const label = organization.id.toLowerCase().replace(/[^a-z0-9-]/g, '-');
  const name = `${organization.name} notifications`.replace(/[\r\n]+/g, ' ').slice(0, 120);
  const phrase = isPlainText(name) ? quoteString(name) : encodeWord(name);
  return `${phrase} <${label}.notifications.${domain}>`;
}

/**
 * Headers of every Herald mail: one-click unsubscribe (RFC 8058), the organization's list
 * (RFC 2919), and "automatic, do not answer" (RFC 3834; X-Auto-Response-Suppress for Exchange's
 * out-of-office and delivery replies).
 */
export function automaticMailHeaders(mail: {
  unsubscribeUrl: string;
  organization: Pick<Organization, 'id' | 'name'> | null;
  from: string;
}): Record<string, string> {
  return {
    'List-Unsubscribe': `<${mail.unsubscribeUrl}>`,
    'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
    ...(mail.organization ? { 'List-Id': listIdOf(mail.organization, mail.from) } : {}),
    'Auto-Submitted': 'auto-generated',
    'X-Auto-Response-Suppress': 'All',
  };
}
