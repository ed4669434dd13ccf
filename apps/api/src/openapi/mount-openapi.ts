import type express from 'express';
import swaggerUi from 'swagger-ui-express';
import type { TaskRegistry } from '@herald/core';
import { createOpenApiDocument, DOCS_PATH, OPENAPI_PATH } from './document';

/**
 * GET /api/openapi.json (no token: the contract is public) and the reference page at /docs,
 * rendered by Swagger UI from the package's own files: nothing is fetched from a CDN, and the
 * online validator badge is off.
 */
export function mountOpenApi(app: express.Express, registry: TaskRegistry): void {
  const document = createOpenApiDocument(registry);
  app.get(OPENAPI_PATH, (_req, res) => {
    res.json(document);
  });
  // serveFiles writes swagger-ui-init.js from its own options, setup the page: both get them.
  const options = {
    customSiteTitle: 'Herald API reference',
    swaggerOptions: { validatorUrl: null, tryItOutEnabled: false, persistAuthorization: false },
  };
  app.use(DOCS_PATH, swaggerUi.serveFiles(document, options), swaggerUi.setup(document, options));
}
