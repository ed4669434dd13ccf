import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// The open defects, which the root config leaves out of `npm test`:
// npx pnpm@10.34.9 exec vitest run --config tests/reliability/open/vitest.config.ts [file]
export default defineConfig({
  test: {
    root: fileURLToPath(new URL('../../..', import.meta.url)),
    include: ['tests/reliability/open/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    maxWorkers: 1,
  },
});
