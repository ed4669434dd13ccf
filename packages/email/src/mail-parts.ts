import type { Organization } from '@herald/db';
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

/** Headers of every Herald mail: one-click unsubscribe (RFC 8058) and "automatic, do not answer" (RFC 3834). */
export function automaticMailHeaders(unsubscribeUrl: string): Record<string, string> {
  return {
    'List-Unsubscribe': `<${unsubscribeUrl}>`,
    'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
    'Auto-Submitted': 'auto-generated',
  };
}
