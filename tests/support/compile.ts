/**
 * Vitest global set-up: compiles the workspace (`pnpm build`, under a second) before any test
 * file runs, so the tests that start Herald as production does (`node --conditions=herald-compiled
 * apps/<app>/dist/main.js`) run the code under test, never a stale build.
 */
import { buildWorkspace } from '../../scripts/build.mjs';

export default async function compileWorkspace(): Promise<void> {
  await buildWorkspace();
}
