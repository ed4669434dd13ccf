#!/usr/bin/env node
// Generates the Prisma client into packages/db/src/generated.
// `prisma generate` needs no schema engine, but the CLI checks that the engine file
// exists before it starts; any existing file satisfies that check.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
// The CLI's own entry point, run with this node: no pnpm needed on PATH.
const prismaCli = createRequire(`${root}/package.json`).resolve('prisma/build/index.js');
const result = spawnSync(process.execPath, [prismaCli, 'generate'], {
  cwd: root,
  stdio: 'inherit',
  env: {
    ...process.env,
    PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY ?? process.execPath,
    PRISMA_HIDE_UPDATE_MESSAGE: '1',
    CHECKPOINT_DISABLE: '1',
  },
});
process.exit(result.status ?? 1);
