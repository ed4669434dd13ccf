export { startApi, createApiContext, type ApiOptions } from './start-api';
export { createApp, BODY_LIMIT } from './app';
export { AppError } from './app-error';
export { DASHBOARD_PATH } from './dashboard';
export { createOpenApiDocument, serializeOpenApiDocument, OPENAPI_PATH, DOCS_PATH } from './openapi/document';
export { ERROR_CODES, type ErrorCode } from './openapi/errors';
export { createMetrics } from './metrics';
