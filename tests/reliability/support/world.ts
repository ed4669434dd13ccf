import { randomBytes, randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { createApiToken, createOrganization, createUser } from '@herald/db';
import { createTestDatabase, type TestDatabase } from '@herald/db/testing';
import type { QueueBackendKind } from '@herald/core';
import {
  deleteKeys,
  prepareTestQueues,
  redisUrl as sharedRedisUrl,
  testQueueBackend,
} from '../../support/queue-backend';
import { HttpClient } from './http';
import { ProcessGroup, type Entry, type HeraldProcess } from './herald-process';
import { MailSink } from './mail-sink';
import { findFreePort } from './ports';

export interface Tenant {
  organizationId: string;
  userId: string;
  email: string;
  token: string;
  organizationName: string;
  userName: string;
}

export interface WorldOptions {
  /**
   * Redis for Herald; the machine's shared one by default (only this world's prefix is used).
   * Giving one puts the queues on Redis whatever the test run's backend.
   */
  redisUrl?: string;
  /** Rewrites the database URL Herald gets, e.g. through a TCP proxy. The test itself always connects directly. */
  databaseUrlForHerald?: (directUrl: string) => string;
  /** Extra environment for every Herald process. */
  env?: Record<string, string>;
}

/** Worlds not closed yet: closeOpenWorlds() cleans up after an interrupted run. */
const openWorlds = new Set<World>();

export async function closeOpenWorlds(): Promise<void> {
  await Promise.allSettled([...openWorlds].map((world) => world.close()));
}

/**
 * Everything a reliability scenario stands up: its own database, queues (a Redis prefix, or a
 * schema in its database) and SMTP sink,
 * tenants with API tokens, and Herald processes started from their production entry points.
 * close() removes all of it.
 */
export class World {
  readonly processes = new ProcessGroup();
  readonly http = new HttpClient();
  readonly tenants: Tenant[] = [];
  readonly prefix = `reliability-${randomUUID()}`;
  readonly secret = randomBytes(24).toString('base64url');
  readonly smtpUser = 'herald-smtp';
  readonly smtpPassword = `smtp-pw-${randomBytes(12).toString('hex')}`;
  readonly redisUrl: string;
  readonly databaseUrl: string;
  readonly queueBackend: QueueBackendKind;

  private constructor(
    readonly testDb: TestDatabase,
    readonly sink: MailSink,
    private readonly options: WorldOptions,
  ) {
    this.redisUrl = options.redisUrl ?? sharedRedisUrl();
    this.queueBackend = options.redisUrl ? 'redis' : testQueueBackend();
    this.databaseUrl = options.databaseUrlForHerald ? options.databaseUrlForHerald(testDb.url) : testDb.url;
  }

  static async create(options: WorldOptions = {}): Promise<World> {
    const testDb = await createTestDatabase();
    const sink = await MailSink.start();
    const world = new World(testDb, sink, options);
    openWorlds.add(world);
    if (world.queueBackend === 'postgres') await prepareTestQueues(testDb.url, world.prefix);
    return world;
  }

  get db() {
    return this.testDb.db;
  }

  /** The environment of a Herald process: only what main.ts documents, nothing inherited from the test. */
  env(overrides: Record<string, string> = {}): Record<string, string> {
    return {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      NODE_ENV: 'production',
      DATABASE_URL: this.databaseUrl,
      QUEUE_BACKEND: this.queueBackend,
      ...(this.queueBackend === 'redis' ? { REDIS_URL: this.redisUrl } : {}),
      QUEUE_PREFIX: this.prefix,
      SMTP_HOST: '127.0.0.1',
      SMTP_PORT: String(this.sink.port),
      SMTP_USER: this.smtpUser,
      SMTP_PASSWORD: this.smtpPassword,
      SMTP_FROM: 'Herald <herald@herald.test>',
      HERALD_SECRET: this.secret,
      PUBLIC_API_URL: 'https://api.herald.test',
      FRONTEND_URL: 'https://app.herald.test',
      WORKER_HEALTH_PORT: '0',
      WORKER_CONCURRENCY: '10',
      LOG_LEVEL: 'info',
      ...this.options.env,
      ...overrides,
    };
  }

  /** A worker process; resolves once it has started its workers. */
  async startWorker(
    name: string,
    overrides: Record<string, string> = {},
    entry: Entry = 'worker',
  ): Promise<HeraldProcess> {
    const worker = this.processes.start(name, entry, this.env(overrides));
    await worker.ready;
    return worker;
  }

  /** An API process on a free port; resolves with it and its base URL once it listens. */
  async startApi(
    name = 'api',
    overrides: Record<string, string> = {},
  ): Promise<{ process: HeraldProcess; url: string }> {
    const port = await findFreePort();
    const api = this.processes.start(
      name,
      'api',
      this.env({ PORT: String(port), HOST: '127.0.0.1', ...overrides }),
    );
    await api.ready;
    return { process: api, url: `http://127.0.0.1:${port}` };
  }

  async createTenant(
    label: string,
    details: { email?: string; userName?: string; organizationName?: string } = {},
  ): Promise<Tenant> {
    const suffix = randomBytes(3).toString('hex');
    const organizationName = details.organizationName ?? `${label} Org ${suffix}`;
    const userName = details.userName ?? `${label} Owner ${suffix}`;
    const email = details.email ?? `${label.toLowerCase()}-${suffix}@${label.toLowerCase()}.test`;
    const org = await createOrganization(this.db, {
      name: organizationName,
      footerText: `${organizationName} footer`,
    });
    const user = await createUser(this.db, { organizationId: org.id, email, name: userName });
    const { token } = await createApiToken(this.db, { userId: user.id, name: `${label} token` });
    const tenant = {
      organizationId: org.id,
      userId: user.id,
      email: user.email ?? email,
      token,
      organizationName: org.name,
      userName,
    };
    this.tenants.push(tenant);
    return tenant;
  }

  async close(): Promise<void> {
    if (!openWorlds.delete(this)) return;
    await this.processes.killAll();
    await this.sink.close();
    if (this.queueBackend === 'redis') await this.deleteRedisKeys();
    await this.testDb.drop();
  }

  private async deleteRedisKeys(): Promise<void> {
    const redis = new Redis(this.redisUrl, { maxRetriesPerRequest: 1, lazyConnect: true });
    redis.on('error', () => undefined);
    try {
      await redis.connect();
      await deleteKeys(redis, this.prefix);
    } catch {
      // A scenario's own Redis may already be gone; its keys went with it.
    } finally {
      redis.disconnect();
    }
  }
}
