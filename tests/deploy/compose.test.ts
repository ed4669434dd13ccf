// docker-compose.yml, read as data: the local stack must start Herald with a complete
// production configuration, migrate first, and stop the worker gracefully.
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../packages/config/src/load-config.ts';
import {
  REQUIRED_IN_PRODUCTION,
  exists,
  interpolate,
  isKnownVariable,
  readYaml,
  schemaDefault,
} from './support.ts';

interface Service {
  image?: string;
  build?: { context: string; dockerfile: string };
  command?: string[];
  environment?: Record<string, string | number | boolean | null>;
  env_file?: unknown;
  volumes?: string[];
  ports?: string[];
  healthcheck?: { test: string[] };
  depends_on?: Record<string, { condition: string }>;
  restart?: string;
  stop_grace_period?: string;
}

const compose = readYaml<{ services: Record<string, Service>; volumes?: Record<string, unknown> }>(
  'docker-compose.yml',
);
const services = compose.services;

/** A service's environment as the container sees it with nothing set in the shell. */
function environmentOf(name: string): Record<string, string> {
  const environment: Record<string, string> = {};
  for (const [key, value] of Object.entries(services[name]?.environment ?? {})) {
    // `KEY:` with no value passes the shell's value through, and is unset when the shell has none.
    if (value !== null) environment[key] = interpolate(String(value));
  }
  return environment;
}

function containerPort(mapping: string): number {
  return Number(interpolate(mapping).split(':').at(-1));
}

function seconds(duration: string): number {
  const match = /^(\d+)(ms|s|m)$/.exec(duration);
  if (!match) throw new Error(`unsupported duration ${duration}`);
  return Number(match[1]) * { ms: 0.001, s: 1, m: 60 }[match[2] as 'ms' | 's' | 'm'];
}

describe('docker-compose.yml', () => {
  it('has redis, postgres, mailpit, migrate, api and worker, and their PostgreSQL-queue twins', () => {
    expect(Object.keys(services).sort()).toEqual([
      'api',
      'api-pg',
      'mailpit',
      'migrate',
      'migrate-pg',
      'postgres',
      'redis',
      'worker',
      'worker-pg',
    ]);
  });

  it('persists Redis with an append-only file and PostgreSQL 17 in volumes, both health-checked', () => {
    const redis = services.redis!;
    expect(redis.command?.join(' ')).toContain('--appendonly yes');
    expect(redis.volumes).toContain('redis-data:/data');
    expect(redis.healthcheck?.test).toEqual(['CMD', 'redis-cli', 'ping']);
    const postgres = services.postgres!;
    expect(postgres.image).toMatch(/^postgres:17\b/);
    expect(postgres.volumes).toContain('postgres-data:/var/lib/postgresql/data');
    expect(postgres.healthcheck?.test.join(' ')).toContain('pg_isready');
    expect(Object.keys(compose.volumes ?? {})).toEqual(
      expect.arrayContaining(['redis-data', 'postgres-data']),
    );
  });

  it('runs Mailpit with SMTP on 1025 and the web UI on 8025', () => {
    const ports = (services.mailpit!.ports ?? []).map(containerPort);
    expect(ports).toEqual(expect.arrayContaining([1025, 8025]));
  });

  it('builds the apps from their Dockerfiles at the repository root', () => {
    for (const name of ['api', 'worker', 'migrate']) {
      const build = services[name]!.build!;
      expect(build.context).toBe('.');
      expect(exists(build.dockerfile), build.dockerfile).toBe(true);
    }
    expect(services.api!.build!.dockerfile).toBe('apps/api/Dockerfile');
    expect(services.worker!.build!.dockerfile).toBe('apps/worker/Dockerfile');
  });

  it('migrates once before api and worker start', () => {
    const migrate = services.migrate!;
    expect(migrate.command).toEqual([
      'node',
      '--conditions=herald-compiled',
      '/app/apps/cli/dist/main.js',
      'migrate',
    ]);
    expect(exists('apps/cli/src/main.ts')).toBe(true);
    expect(migrate.restart).toBe('no');
    expect(migrate.depends_on?.postgres?.condition).toBe('service_healthy');
    for (const name of ['api', 'worker']) {
      expect(services[name]!.depends_on?.migrate?.condition, name).toBe('service_completed_successfully');
      expect(services[name]!.depends_on?.redis?.condition, name).toBe('service_healthy');
      expect(services[name]!.depends_on?.postgres?.condition, name).toBe('service_healthy');
    }
  });

  describe.each(['api', 'worker', 'migrate'])('%s configuration', (name) => {
    const environment = environmentOf(name);

    it('comes only from the environment', () => {
      expect(services[name]!.env_file).toBeUndefined();
      expect(services[name]!.volumes).toBeUndefined();
    });

    it('names only variables Herald reads', () => {
      for (const key of Object.keys(services[name]!.environment ?? {}))
        expect(isKnownVariable(key), key).toBe(true);
    });

    it('sets every variable production needs, and passes loadConfig with e-mail enabled', () => {
      for (const key of REQUIRED_IN_PRODUCTION) expect(environment[key], key).toBeTruthy();
      const config = loadConfig(environment);
      expect(config.smtpProblem).toBeNull();
      expect(config.smtp?.host).toBe('mailpit');
    });

    it('runs in development mode: production would refuse its herald.local sender and http links', () => {
      expect(environment.NODE_ENV).toBe('development');
      expect(() => loadConfig({ ...environment, NODE_ENV: 'production' })).toThrow(
        /SMTP_FROM: expected a sender on a real domain in production.*PUBLIC_API_URL: expected an https/,
      );
    });

    it('points at the compose services', () => {
      expect(new URL(environment.REDIS_URL!).hostname).toBe('redis');
      const database = new URL(environment.DATABASE_URL!);
      const postgres = environmentOf('postgres');
      expect(database.hostname).toBe('postgres');
      expect(database.username).toBe(postgres.POSTGRES_USER);
      expect(database.password).toBe(postgres.POSTGRES_PASSWORD);
      expect(database.pathname).toBe(`/${postgres.POSTGRES_DB}`);
      expect((services.mailpit!.ports ?? []).map(containerPort)).toContain(Number(environment.SMTP_PORT));
    });
  });

  it('publishes the api on its PORT and checks /readyz there', () => {
    const port = environmentOf('api').PORT ?? schemaDefault('PORT');
    expect((services.api!.ports ?? []).map(containerPort)).toEqual([Number(port)]);
    expect(services.api!.healthcheck?.test.join(' ')).toContain(`127.0.0.1:${port}/readyz`);
  });

  it('lets the api finish in-flight requests before SIGKILL', () => {
    const graceMs = Number(environmentOf('api').SHUTDOWN_GRACE_MS ?? schemaDefault('SHUTDOWN_GRACE_MS'));
    expect(seconds(services.api!.stop_grace_period ?? '10s')).toBeGreaterThan(graceMs / 1000);
  });

  it('checks the worker on its health port and lets it drain before SIGKILL', () => {
    const environment = environmentOf('worker');
    const healthPort = environment.WORKER_HEALTH_PORT ?? schemaDefault('WORKER_HEALTH_PORT');
    expect(services.worker!.healthcheck?.test.join(' ')).toContain(`127.0.0.1:${healthPort}/readyz`);
    expect(services.worker!.ports).toBeUndefined();
    const graceMs = Number(environment.SHUTDOWN_GRACE_MS ?? schemaDefault('SHUTDOWN_GRACE_MS'));
    expect(seconds(services.worker!.stop_grace_period ?? '10s')).toBeGreaterThan(graceMs / 1000);
  });
});

describe('the postgres-queues profile', () => {
  it('runs Herald with its queues on PostgreSQL, with no Redis anywhere', () => {
    for (const name of ['migrate-pg', 'api-pg', 'worker-pg']) {
      const service = services[name] as Service & { profiles?: string[] };
      expect(service.profiles, name).toEqual(['postgres-queues']);
      const environment = environmentOf(name);
      expect(environment.QUEUE_BACKEND, name).toBe('postgres');
      expect(environment.REDIS_URL, name).toBeUndefined();
      expect(Object.keys(service.depends_on ?? {}), name).not.toContain('redis');
    }
  });
});
