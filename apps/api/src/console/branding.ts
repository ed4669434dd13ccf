import { Router, type Response } from 'express';
import { z } from 'zod';
import { HERALD_BRANDING, refusedBrandColor } from '@herald/email';
import type { ApiContext } from '../api-context';
import { requireAdmin } from './admin-only';
import { navOf, requireCsrf, requireUser, sessionOf } from './session';
import type { ConsoleViews } from './views';

/** Every field may be left empty: the mails then use Herald's own. */
const formSchema = z.object({
  logoUrl: z
    .string()
    .trim()
    .max(2000, 'at most 2000 characters')
    .refine((value) => value === '' || (URL.canParse(value) && new URL(value).protocol === 'https:'), {
      message: 'expected an https:// URL (mail clients block images from http)',
    }),
  brandColor: z.string().trim().max(20, 'expected a colour like #4f46e5'),
  footerText: z.string().trim().max(500, 'at most 500 characters'),
});
type BrandingForm = z.infer<typeof formSchema>;

const HEX_COLOR = /^#(?:[0-9a-f]{3}|[0-9a-f]{6})$/i;
const orNull = (value: string) => value || null;

/**
 * The organization's mail branding: logo, brand colour, footer. Admins only (see requireAdmin).
 * The colour must carry white button text at 4.5:1, which the page explains when it refuses one.
 */
export function brandingPageRouter(ctx: ApiContext, views: ConsoleViews): Router {
  const router = Router();
  const onlyAdmins = requireAdmin(views, 'its branding');

  const show = async (
    res: Response,
    extra: { saved?: boolean; fieldError?: string; posted?: BrandingForm },
    status = 200,
  ) => {
    const session = sessionOf(res)!;
    const org = await ctx.db.prisma.organization.findUniqueOrThrow({
      where: { id: session.user!.organizationId },
      select: { logoUrl: true, brandColor: true, footerText: true },
    });
    // A refused form comes back as typed (none of it is secret); the preview keeps the stored colour.
    const form = extra.posted ?? {
      logoUrl: org.logoUrl ?? '',
      brandColor: org.brandColor ?? '',
      footerText: org.footerText ?? '',
    };
    // Only a hex colour reaches the style attribute (escaping HTML does not make CSS safe).
    const previewColor =
      org.brandColor && HEX_COLOR.test(org.brandColor) ? org.brandColor : HERALD_BRANDING.brandColor;
    views.send(
      res,
      'branding',
      {
        title: 'Branding',
        nav: navOf(session),
        csrf: session.csrf,
        form,
        defaultColor: HERALD_BRANDING.brandColor,
        // Shown on white text only when it reads; a colour stored before this check gets dark text.
        preview: { color: previewColor, text: refusedBrandColor(previewColor) ? '#1f2328' : '#ffffff' },
        footer: org.footerText ?? HERALD_BRANDING.footerText,
        saved: extra.saved,
        fieldError: extra.fieldError,
      },
      status,
    );
  };

  router.get('/branding', requireUser, onlyAdmins, async (_req, res) => show(res, {}));

  router.post('/branding', requireUser, requireCsrf(views), onlyAdmins, async (req, res) => {
    const parsed = formSchema.safeParse(req.body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const field = String(issue?.path[0] ?? 'form');
      const posted = req.body as Partial<Record<keyof BrandingForm, unknown>>;
      const asText = (value: unknown) => (typeof value === 'string' ? value.slice(0, 2000) : '');
      return show(
        res,
        {
          fieldError: `${field}: ${issue?.message}`,
          posted: {
            logoUrl: asText(posted.logoUrl),
            brandColor: asText(posted.brandColor),
            footerText: asText(posted.footerText),
          },
        },
        400,
      );
    }
    const form = parsed.data;
    const refused = form.brandColor ? refusedBrandColor(form.brandColor) : null;
    if (refused) return show(res, { fieldError: `brandColor: ${refused}`, posted: form }, 400);
    await ctx.db.prisma.organization.update({
      where: { id: sessionOf(res)!.user!.organizationId },
      data: {
        logoUrl: orNull(form.logoUrl),
        brandColor: orNull(form.brandColor),
        footerText: orNull(form.footerText),
      },
    });
    return show(res, { saved: true });
  });

  return router;
}
