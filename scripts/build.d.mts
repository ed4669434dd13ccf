/** Compiles every workspace package's src/ to dist/ (see build.mjs). */
export function buildWorkspace(): Promise<{ files: number; folders: number; ms: number }>;
