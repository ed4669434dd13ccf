import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { createOpenApiDocument } from '@herald/api';
import type { TaskRegistry } from '@herald/core';

type Document = ReturnType<typeof createOpenApiDocument>;
interface ResponseSpec {
  headers?: Record<string, { required?: boolean; schema?: object }>;
  content?: Record<string, { schema?: object }>;
}
type Operation = { responses?: Record<string, ResponseSpec> };

const DOCUMENT_ID = 'herald-openapi';
const pointer = (...parts: string[]) =>
  parts.map((part) => part.replaceAll('~', '~0').replaceAll('/', '~1')).join('/');

/**
 * Checks an API response against the OpenAPI document: the status must be documented for the
 * operation, each required header present and matching, and a JSON body valid for its schema
 * (ajv, JSON Schema 2020-12 as OpenAPI 3.1 uses). A path the document does not know must answer
 * with the error body. Returns the problems found; none means the response matches.
 */
export function createResponseValidator(registry: TaskRegistry) {
  const document: Document = createOpenApiDocument(registry);
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addSchema(document, DOCUMENT_ID);
  const compiled = new Map<string, ValidateFunction>();
  const schemaAt = (ref: string): ValidateFunction => {
    let validate = compiled.get(ref);
    if (!validate) {
      validate = ajv.compile({ $ref: `${DOCUMENT_ID}#/${ref}` });
      compiled.set(ref, validate);
    }
    return validate;
  };
  // Literal paths first, as the API's routers match them (/api/tasks/email-notification-test before /api/tasks/{id}).
  const paramCount = (template: string) => template.split('{').length;
  const routes = Object.keys(document.paths ?? {})
    .sort((a, b) => paramCount(a) - paramCount(b))
    .map((template) => ({ template, pattern: new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`) }));
  const describe = (validate: ValidateFunction) => ajv.errorsText(validate.errors, { dataVar: 'body' });

  return async function validateResponse(method: string, url: string, response: Response): Promise<string[]> {
    const path = new URL(url, 'http://herald.test').pathname;
    if (!path.startsWith('/api/') || path === '/api/openapi.json') return [];
    const body = await response.clone().text();
    const route = routes.find((candidate) => candidate.pattern.test(path));
    const operation =
      route &&
      (document.paths?.[route.template] as Record<string, Operation> | undefined)?.[method.toLowerCase()];
    if (!route || !operation) {
      const validate = schemaAt(pointer('components', 'schemas', 'Error'));
      if (response.status < 400)
        return [`${method} ${path} answered ${response.status} but the document has no such operation`];
      return validate(JSON.parse(body))
        ? []
        : [`${method} ${path} ${response.status}: ${describe(validate)}`];
    }
    const status = String(response.status);
    const spec = operation.responses?.[status];
    const where = `${method} ${route.template} ${status}`;
    if (!spec)
      return [
        `${where}: status not in the document (documented: ${Object.keys(operation.responses ?? {}).join(', ')})`,
      ];
    const problems: string[] = [];
    for (const [name, header] of Object.entries(spec.headers ?? {})) {
      const value = response.headers.get(name);
      if (value === null) {
        if (header.required) problems.push(`${where}: header ${name} is missing`);
        continue;
      }
      const validate = schemaAt(
        pointer(
          'paths',
          route.template,
          method.toLowerCase(),
          'responses',
          status,
          'headers',
          name,
          'schema',
        ),
      );
      if (!validate(value)) problems.push(`${where}: header ${name}: ${describe(validate)}`);
    }
    const mediaTypes = Object.keys(spec.content ?? {});
    if (!mediaTypes.length) {
      if (body.length) problems.push(`${where}: the document says no body, got ${body.length} bytes`);
      return problems;
    }
    const contentType = (response.headers.get('content-type') ?? '').split(';')[0]!.trim();
    if (!mediaTypes.includes(contentType))
      return [...problems, `${where}: content-type ${contentType} is not one of ${mediaTypes.join(', ')}`];
    if (contentType !== 'application/json') return problems;
    const validate = schemaAt(
      pointer(
        'paths',
        route.template,
        method.toLowerCase(),
        'responses',
        status,
        'content',
        contentType,
        'schema',
      ),
    );
    if (!validate(JSON.parse(body))) problems.push(`${where}: ${describe(validate)}`);
    return problems;
  };
}
