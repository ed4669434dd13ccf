import { defineConfig } from 'vitest/config';

const ALL = ['packages/*/src/**/*.test.ts', 'apps/*/src/**/*.test.ts', 'tests/**/*.test.ts'];

/**
 * On PostgreSQL: every test that stands up queues. Left out: tests about Redis itself (their
 * names say so), and those that never touch a queue (settings, templates, mail, the schema,
 * manifests), which would only run again unchanged.
 */
const NOT_ON_POSTGRES = [
  'tests/reliability/redis-*.test.ts',
  'apps/cli/src/stack/redis.test.ts',
  'packages/core/src/redis-errors.test.ts',
  'packages/{config,email,db,channels,tasks}/src/**/*.test.ts',
  'packages/core/src/{aws-cron,email-notification,error-logger,notification-filter,run-context,run-title,telemetry}.test.ts',
  'tests/deploy/**',
  '**/node_modules/**',
];

/**
 * Two projects, one per queue backend: `redis` (skipped when the run is PostgreSQL-only, as on a
 * machine without Redis) and `postgres`. `npm test` sets QUEUE_BACKEND to what it found.
 */
const onRedis = process.env.QUEUE_BACKEND !== 'postgres';

export default defineConfig({
  test: {
    globalSetup: ['tests/support/compile.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Integration tests each own a database and queues; two files at a time suits 2 cores.
    maxWorkers: 2,
    fileParallelism: true,
    projects: [
      ...(onRedis
        ? [
            {
              extends: true as const,
              test: {
                name: 'redis',
                include: ALL,
                // Runs once, in the postgres project: it is about the machine, not the backend.
                exclude: ['**/node_modules/**', 'tests/node-only.test.ts'],
                env: { QUEUE_BACKEND: 'redis' },
              },
            },
          ]
        : []),
      {
        extends: true as const,
        test: {
          name: 'postgres',
          include: ALL,
          exclude: NOT_ON_POSTGRES,
          env: { QUEUE_BACKEND: 'postgres' },
        },
      },
    ],
  },
});
