import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (apps/cli/src/stack -> four levels up). */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');

/** `<repo>/.herald`: local stack state, kept between runs and ignored by git. */
export const DEFAULT_STATE_DIR = path.join(REPO_ROOT, '.herald');

export function ensureDir(dir: string): string {
  mkdirSync(dir, { recursive: true });
  return dir;
}
