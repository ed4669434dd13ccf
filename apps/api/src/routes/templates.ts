import { Router } from 'express';
import { brandingOf, UnknownTemplateError } from '@herald/email';
import { AppError } from '../app-error';
import type { ApiContext } from '../api-context';
import { getAuth } from '../auth';
import { previewQuerySchema } from '../openapi/requests';
import { parseRequestPart } from '../parse-request';

export function templatesRouter(ctx: ApiContext): Router {
  const router = Router();

  router.get('/templates', (_req, res) => {
    res.json({ data: ctx.renderer.listTemplates() });
  });

  /** The template filled with sample data, in the caller's organization's branding. */
  router.get('/templates/:name/preview', async (req, res) => {
    const auth = getAuth(res);
    const { format } = parseRequestPart(previewQuerySchema, req.query, 'query');
    const org = await ctx.db.prisma.organization.findUnique({ where: { id: auth.organizationId } });
    try {
      const body = ctx.renderer.renderPreview(req.params.name, {
        format,
        branding: brandingOf(org),
      });
      res.type(format === 'html' ? 'text/html' : 'text/plain').send(body);
    } catch (error) {
      if (error instanceof UnknownTemplateError) throw AppError.notFound('Template');
      throw error;
    }
  });

  return router;
}
