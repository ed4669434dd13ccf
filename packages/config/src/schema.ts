import { z } from 'zod';
import { redisNodeList } from './redis-nodes';

const booleanFlag = z
  .enum(['true', 'false', '1', '0', 'yes', 'no', ''])
  .transform((value) => value === 'true' || value === '1' || value === 'yes');

const urlWithProtocols = (protocols: string[], example: string) =>
  z.string().refine(
    (value) => {
      try {
        return protocols.includes(new URL(value).protocol);
      } catch {
        return false;
      }
    },
    { message: `expected a ${protocols.join(' or ')}// URL, e.g. ${example}` },
  );

const port = (fallback: number) =>
  z.coerce
    .number({ message: 'expected a port number (1-65535)' })
    .int('expected a port number (1-65535)')
    .min(1, 'expected a port number (1-65535)')
    .max(65535, 'expected a port number (1-65535)')
    .default(fallback);

const emptyAsUndefined = (value: unknown) => (value === '' ? undefined : value);

/**
 * Every environment variable Herald reads. Parsed once at start (see loadConfig);
 * nothing else in Herald reads process.env for its own settings.
 */
export const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),

  /**
   * Where the queues live. Unset: Redis when REDIS_URL is set or a Redis answers on
   * 127.0.0.1:6379, else PostgreSQL (see chooseQueueBackend in @herald/core).
   */
  QUEUE_BACKEND: z.preprocess(emptyAsUndefined, z.enum(['redis', 'postgres']).optional()),
  /** PostgreSQL database of the queues when QUEUE_BACKEND=postgres; DATABASE_URL when unset. */
  QUEUE_DATABASE_URL: z.preprocess(
    emptyAsUndefined,
    urlWithProtocols(['postgres:', 'postgresql:'], 'postgresql://user@host:5432/herald').optional(),
  ),
  REDIS_URL: urlWithProtocols(['redis:', 'rediss:'], 'redis://127.0.0.1:6379').default(
    'redis://127.0.0.1:6379',
  ),
  /** Prefix of every BullMQ key. Wrapped in {braces} on a Redis Cluster so a queue's keys share a slot. */
  QUEUE_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9:_{}-]+$/, 'expected letters, digits, ":", "_", "-" or braces')
    .default('herald'),
  REDIS_CLUSTER: booleanFlag.default(false),
  /** Seed nodes of a Redis Cluster (host:port,host:port); REDIS_URL's host is used when empty. */
  REDIS_CLUSTER_NODES: z.preprocess(emptyAsUndefined, redisNodeList.optional()),

  DATABASE_URL: urlWithProtocols(['postgres:', 'postgresql:'], 'postgresql://user@host:5432/herald').default(
    'postgresql://postgres@127.0.0.1:5432/herald',
  ),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),

  SMTP_HOST: z.preprocess(emptyAsUndefined, z.string().optional()),
  SMTP_PORT: port(587),
  SMTP_USER: z.preprocess(emptyAsUndefined, z.string().optional()),
  SMTP_PASSWORD: z.preprocess(emptyAsUndefined, z.string().optional()),
  SMTP_FROM: z
    .string()
    .regex(/^[^\r\n]+$/, 'expected one line, e.g. "Herald <no-reply@example.com>"')
    .default('Herald <no-reply@herald.local>'),
  /** Implicit TLS (port 465). Without it, STARTTLS is used whenever the server offers it. */
  SMTP_SECURE: booleanFlag.default(false),
  /** Refuse to send unless the server upgrades the connection with STARTTLS. */
  SMTP_REQUIRE_STARTTLS: booleanFlag.default(false),
  SMTP_POOL_SIZE: z.coerce.number().int().min(1).max(50).default(5),

  /** DKIM signing (RFC 6376); all mail is signed once the domain, the selector and a key are set. */
  DKIM_DOMAIN: z.preprocess(
    emptyAsUndefined,
    z
      .string()
      .regex(
        /^(?=.{1,253}$)([A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$/,
        'expected a domain name, e.g. example.com',
      )
      .optional(),
  ),
  DKIM_SELECTOR: z.preprocess(
    emptyAsUndefined,
    z
      .string()
      .regex(/^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,62})$/, 'expected a selector, e.g. herald or herald2026')
      .optional(),
  ),
  /** The private key in PEM, or DKIM_PRIVATE_KEY_FILE: the path of a mounted file holding it. */
  DKIM_PRIVATE_KEY: z.preprocess(emptyAsUndefined, z.string().optional()),
  DKIM_PRIVATE_KEY_FILE: z.preprocess(emptyAsUndefined, z.string().optional()),

  /** A team's own web app: "View results" then links to `<FRONTEND_URL>/runs/:id` instead of the console. */
  FRONTEND_URL: z.preprocess(
    emptyAsUndefined,
    urlWithProtocols(['http:', 'https:'], 'https://app.example.com').optional(),
  ),
  /** Public base URL of the console (served by the API under /app); PUBLIC_API_URL when unset. */
  CONSOLE_URL: z.preprocess(
    emptyAsUndefined,
    urlWithProtocols(['http:', 'https:'], 'https://herald.example.com').optional(),
  ),
  /** How long a console sign-in lasts. */
  CONSOLE_SESSION_HOURS: z.coerce
    .number()
    .int()
    .min(1)
    .max(24 * 90)
    .default(168),
  /** How long a mail's "View results" link opens its run without signing in. */
  CONSOLE_RUN_LINK_DAYS: z.coerce.number().int().min(1).max(365).default(30),
  /** Public base URL of the API, used for unsubscribe links. */
  PUBLIC_API_URL: urlWithProtocols(['http:', 'https:'], 'https://herald.example.com').optional(),
  /** Signs unsubscribe links. Required in production. */
  HERALD_SECRET: z.string().min(16, 'expected at least 16 characters').optional(),
  /** Bearer token for the queue dashboard at /admin/queues; the dashboard is off without it. */
  ADMIN_TOKEN: z.string().min(16, 'expected at least 16 characters').optional(),

  PORT: port(3000),
  HOST: z.string().default('0.0.0.0'),
  WORKER_CONCURRENCY: z.coerce.number({ message: 'expected a number' }).int().min(1).max(1000).default(10),
  NOTIFICATION_CONCURRENCY: z.coerce.number().int().min(1).max(1000).default(20),
  /** How long a stopping worker waits for in-flight jobs before handing them back. */
  SHUTDOWN_GRACE_MS: z.coerce.number().int().min(0).max(600_000).default(25_000),
  /** The worker's health port (GET /healthz, /readyz); 0 turns it off. */
  WORKER_HEALTH_PORT: z.coerce.number().int().min(0).max(65535).default(9464),
  /** First notification retry delay; each next one doubles, 8 attempts in all (~32 min at 15 s). */
  NOTIFICATION_RETRY_BASE_MS: z.coerce.number().int().min(10).max(3_600_000).default(15_000),
  /**
   * Lets Slack and PagerDuty URLs lead to loopback, private, link-local and reserved addresses
   * (a receiver on the cluster's own network). Off: tenants cannot make the worker call inside it.
   */
  CHANNEL_ALLOW_PRIVATE_URLS: booleanFlag.default(false),
  /** The most extra e-mail recipients a submission or a schedule may add to a run (`notify.to`). */
  NOTIFY_MAX_RECIPIENTS: z.coerce.number({ message: 'expected a number' }).int().min(0).max(1000).default(10),
  /** Finished runs older than this many days are removed with their deliveries (the maintenance queue). */
  RUN_RETENTION_DAYS: z.coerce
    .number({ message: 'expected a number of days' })
    .int()
    .min(1)
    .max(36_500)
    .default(30),
  /** Ended deliveries older than this many days are removed; unset: RUN_RETENTION_DAYS. Never outlive their run. */
  DELIVERY_RETENTION_DAYS: z.preprocess(
    emptyAsUndefined,
    z.coerce.number({ message: 'expected a number of days' }).int().min(1).max(36_500).optional(),
  ),
  TEST_EMAIL_RATE_LIMIT: z.coerce.number().int().min(1).default(5),
  TEST_EMAIL_RATE_WINDOW_SECONDS: z.coerce.number().int().min(1).default(3600),

  /**
   * Tracing (OpenTelemetry's standard variables). Off unless an OTLP endpoint is given or
   * OTEL_TRACES_EXPORTER=otlp (then http://localhost:4318); OTEL_TRACES_EXPORTER=none or
   * OTEL_SDK_DISABLED=true turn it off. Traces go over OTLP/HTTP to `<endpoint>/v1/traces`.
   * The OpenTelemetry SDK reads its finer settings itself (OTEL_EXPORTER_OTLP_HEADERS,
   * OTEL_RESOURCE_ATTRIBUTES, OTEL_TRACES_SAMPLER...): Herald only decides on and off here.
   */
  OTEL_EXPORTER_OTLP_ENDPOINT: z.preprocess(
    emptyAsUndefined,
    urlWithProtocols(['http:', 'https:'], 'http://otel-collector:4318').optional(),
  ),
  /** The full traces URL, used as is (no /v1/traces appended); wins over OTEL_EXPORTER_OTLP_ENDPOINT. */
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: z.preprocess(
    emptyAsUndefined,
    urlWithProtocols(['http:', 'https:'], 'http://otel-collector:4318/v1/traces').optional(),
  ),
  OTEL_TRACES_EXPORTER: z.preprocess(
    emptyAsUndefined,
    z.enum(['otlp', 'none'], { message: 'expected "otlp" or "none"' }).optional(),
  ),
  /** service.name of the spans; each process has its own default (herald-api, herald-worker). */
  OTEL_SERVICE_NAME: z.preprocess(emptyAsUndefined, z.string().max(200).optional()),
  OTEL_SDK_DISABLED: booleanFlag.default(false),
});

export type Env = z.output<typeof envSchema>;
