import type { Logger } from '../cli/logger';
import { ensureDatabase, resolvePostgres, type PostgresStrategy } from './postgres';
import { resolveRedis, type RedisStrategy } from './redis';
import { StackError, type ResolvedService } from './service';
import { resolveSmtp, type ResolvedSmtp } from './smtp';
import { DEFAULT_STATE_DIR, ensureDir } from './state-dir';

export interface StackOptions {
  /** Find a place for the queues: Redis when one is given, running or startable, else PostgreSQL. */
  queues?: boolean;
  postgres?: boolean;
  smtp?: boolean;
  /** What the user set; anything unset is found running or started locally. */
  given?: {
    queueBackend?: 'redis' | 'postgres';
    redisUrl?: string;
    databaseUrl?: string;
    smtp?: { host: string; port: number };
  };
  /** The database to create and point DATABASE_URL at; without it, DATABASE_URL is the server's `postgres` database. */
  databaseName?: string;
  stateDir?: string;
  log: Logger;
  redisStrategies?: RedisStrategy[];
  postgresStrategies?: PostgresStrategy[];
}

export interface Stack {
  /** QUEUE_BACKEND, REDIS_URL, DATABASE_URL, SMTP_HOST, SMTP_PORT: the variables to hand to Herald's processes. */
  env: Record<string, string>;
  /** Where the queues are, and why: one line for the user. */
  queueBackend?: { kind: 'redis' | 'postgres'; reason: string };
  redis?: ResolvedService;
  postgres?: ResolvedService & { databaseUrl: string };
  smtp?: ResolvedSmtp;
  /** One line per service, saying where it is and whether it was started here. */
  describe(): string[];
  /** Stops what this stack started, newest first; leaves alone what was already running. */
  stop(): Promise<void>;
}

/** Finds or starts Redis, PostgreSQL and an SMTP sink for local development and tests. */
export async function resolveStack(options: StackOptions): Promise<Stack> {
  const { log, given = {} } = options;
  const stateDir = ensureDir(options.stateDir ?? DEFAULT_STATE_DIR);
  const services: ResolvedService[] = [];
  const stack: Stack = {
    env: {},
    describe: () => [
      ...(stack.queueBackend ? [`queues on ${stack.queueBackend.kind}: ${stack.queueBackend.reason}`] : []),
      ...services.map((service) => service.description),
    ],
    async stop() {
      for (const service of services.splice(0).reverse()) {
        await service
          .stop()
          .catch((error: unknown) => log.warn({ err: error, service: service.url }, 'could not stop'));
      }
    },
  };
  try {
    if (options.queues && given.queueBackend === 'postgres') {
      stack.queueBackend = { kind: 'postgres', reason: 'QUEUE_BACKEND=postgres' };
    } else if (options.queues) {
      try {
        const redis = await resolveRedis({
          url: given.redisUrl,
          stateDir,
          log,
          strategies: options.redisStrategies,
        });
        services.push(redis);
        stack.redis = redis;
        stack.env.REDIS_URL = redis.url;
        stack.queueBackend = {
          kind: 'redis',
          reason: given.queueBackend ? 'QUEUE_BACKEND=redis' : redis.description,
        };
      } catch (error) {
        // Without Redis (none set, running or startable) the queues go to PostgreSQL, unless Redis was asked for.
        if (!(error instanceof StackError) || given.queueBackend === 'redis') throw error;
        stack.queueBackend = {
          kind: 'postgres',
          reason: 'no REDIS_URL, nothing on 127.0.0.1:6379 and no redis-server on PATH',
        };
      }
    }
    if (stack.queueBackend) stack.env.QUEUE_BACKEND = stack.queueBackend.kind;
    if (options.postgres) {
      const server = await resolvePostgres({
        url: given.databaseUrl,
        stateDir,
        log,
        strategies: options.postgresStrategies,
      });
      services.push(server);
      const databaseUrl = options.databaseName
        ? await ensureDatabase(server, options.databaseName, log)
        : server.url;
      stack.postgres = { ...server, databaseUrl };
      stack.env.DATABASE_URL = databaseUrl;
    }
    if (options.smtp) {
      const smtp = await resolveSmtp({ configured: given.smtp, log });
      services.push(smtp);
      stack.smtp = smtp;
      stack.env.SMTP_HOST = smtp.host;
      stack.env.SMTP_PORT = String(smtp.port);
    }
  } catch (error) {
    await stack.stop();
    throw error;
  }
  return stack;
}
