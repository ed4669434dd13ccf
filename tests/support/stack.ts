import { randomUUID } from 'node:crypto';
import type { Telemetry } from 'bullmq';
import { loadConfig, type Config } from '@herald/config';
import { createApiToken, createOrganization, createUser } from '@herald/db';
import { createTestDatabase, type TestDatabase } from '@herald/db/testing';
import { startApi } from '@herald/api';
import { startWorkerApp } from '@herald/worker';
import { startDevInbox, type DevInbox } from '@herald/email';
import type { TaskRegistry } from '@herald/core';
import { registry as deploymentRegistry } from '@herald/tasks';
import { silentLogger } from './harness';
import { prepareTestQueues, queueBackendEnv, removeTestQueues } from './queue-backend';
import { createResponseValidator } from './openapi-validator';

export interface Tenant {
  organizationId: string;
  userId: string;
  email: string;
  token: string;
}

export interface Stack {
  config: Config;
  testDb: TestDatabase;
  inbox: DevInbox;
  api: Awaited<ReturnType<typeof startApi>>;
  worker: Awaited<ReturnType<typeof startWorkerApp>>;
  /**
   * Calls the API as `tenant` (or with no token when tenant is null). Every answer is checked
   * against the OpenAPI document: one that does not match it fails the test.
   */
  call(
    tenant: Tenant | null,
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<Response>;
  createTenant(name: string, email: string): Promise<Tenant>;
  close(): Promise<void>;
}

export interface StackOptions {
  /** BullMQ telemetry (startTelemetry's bullmqTelemetry) for the API's and the worker's queues. */
  telemetry?: Telemetry;
  /** The tasks the API and the worker know (default: the deployment's, from @herald/tasks). */
  registry?: TaskRegistry;
}

/** The whole of Herald in this process: API, worker, a database, queues and an SMTP inbox of the test's own. */
export async function startStack(
  env: Record<string, string> = {},
  options: StackOptions = {},
): Promise<Stack> {
  const testDb = await createTestDatabase();
  const inbox = await startDevInbox({ smtpPort: 0, httpPort: null });
  const prefix = `test-${randomUUID()}`;
  const config = loadConfig({
    DATABASE_URL: testDb.url,
    ...queueBackendEnv(),
    QUEUE_PREFIX: prefix,
    SMTP_HOST: '127.0.0.1',
    SMTP_PORT: String(inbox.smtpPort),
    SMTP_FROM: 'Herald <herald@herald.test>',
    FRONTEND_URL: 'https://app.herald.test',
    PUBLIC_API_URL: 'https://api.herald.test',
    WORKER_HEALTH_PORT: '0',
    LOG_LEVEL: 'silent',
    ...env,
  });
  const { telemetry } = options;
  const registry = options.registry ?? deploymentRegistry;
  await prepareTestQueues(config.QUEUE_DATABASE_URL ?? testDb.url, config.QUEUE_PREFIX);
  const worker = await startWorkerApp({ config, logger: silentLogger, registry, telemetry });
  const api = await startApi({
    config,
    logger: silentLogger,
    registry,
    telemetry,
    port: 0,
    host: '127.0.0.1',
  });
  const validateResponse = createResponseValidator(registry);

  return {
    config,
    testDb,
    inbox,
    api,
    worker,
    async call(tenant, method, path, body, headers = {}) {
      const response = await fetch(`${api.url}${path}`, {
        method,
        headers: {
          ...(tenant ? { authorization: `Bearer ${tenant.token}` } : {}),
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...headers,
        },
        body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      });
      const problems = await validateResponse(method, path, response);
      if (problems.length)
        throw new Error(`The response does not match the OpenAPI document:\n${problems.join('\n')}`);
      return response;
    },
    async createTenant(name, email) {
      const org = await createOrganization(testDb.db, {
        name,
        brandColor: '#0f766e',
        footerText: `${name} Ltd`,
      });
      const user = await createUser(testDb.db, { organizationId: org.id, email, name: `${name} Owner` });
      const { token } = await createApiToken(testDb.db, { userId: user.id, name: 'test' });
      return { organizationId: org.id, userId: user.id, email, token };
    },
    async close() {
      await api.close();
      await worker.close(1_000);
      await inbox.close();
      await removeTestQueues(prefix);
      await testDb.drop();
    },
  };
}
