import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['packages/*/src/**/*.test.ts', 'apps/*/src/**/*.test.ts', 'tests/**/*.test.ts'],
    exclude: ['**/node_modules/**'],
    globalSetup: ['tests/support/compile.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Integration tests each own a database and a Redis prefix; two files at a time suits 2 cores.
    maxWorkers: 2,
    fileParallelism: true,
  },
});
