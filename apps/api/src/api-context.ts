import type { Logger } from 'pino';
import type { Config } from '@herald/config';
import type { Database } from '@herald/db';
import type { HeraldQueues, QueueStore, ScheduleManager, TaskClient, TaskRegistry } from '@herald/core';
import type { TemplateRenderer, Transport } from '@herald/email';

/** What the routes need; built once by startApi, or by a test. */
export interface ApiContext {
  config: Config;
  logger: Logger;
  db: Database;
  /** Where the queues live: Redis or PostgreSQL. */
  store: QueueStore;
  queues: HeraldQueues;
  registry: TaskRegistry;
  client: TaskClient;
  schedules: ScheduleManager;
  renderer: TemplateRenderer;
  /** Herald's SMTP transport (DKIM-signing when configured), for console sign-in mail; null when e-mail is off. */
  transport: Transport | null;
}
