export { startApi, createApiContext, type ApiOptions } from './start-api';
export { createApp, BODY_LIMIT } from './app';
export { AppError } from './app-error';
export { DASHBOARD_PATH } from './dashboard';
export { createMetrics } from './metrics';
