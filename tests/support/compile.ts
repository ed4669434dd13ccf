/**
 * Vitest global set-up: compiles the workspace (`pnpm build`, under a second) before any test
 * file runs, so the tests that start Herald as production does (`node --conditions=herald-compiled
 * apps/<app>/dist/main.js`) run the code under test, never a stale build.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const BUILD_SCRIPT = fileURLToPath(new URL('../../scripts/build.mjs', import.meta.url));

export default function compileWorkspace(): void {
  const result = spawnSync(process.execPath, [BUILD_SCRIPT], {
    stdio: ['ignore', 'ignore', 'pipe'],
    encoding: 'utf8',
  });
  if (result.status !== 0) {
    throw new Error(`pnpm build failed (exit code ${result.status ?? result.signal}):\n${result.stderr}`);
  }
}
