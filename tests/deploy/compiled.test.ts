// The compiled workspace (`pnpm build`, written by the tests' global set-up) as the images run it:
// `node --conditions=herald-compiled`, no TypeScript loader. The reliability tests start the
// compiled API and worker; this file checks the package exports and the migrate command.
import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { createTestDatabase } from '@herald/db/testing';
import { exists, readText, ROOT } from './support.ts';

const run = promisify(execFile);
const PACKAGES = ['apps', 'packages'].flatMap((group) =>
  readdirSync(path.join(ROOT, group)).map((name) => `${group}/${name}`),
);

describe('the compiled workspace', () => {
  it.each(PACKAGES)('%s: every export points herald-compiled at the compiled twin of its source', (dir) => {
    const manifest = JSON.parse(readText(`${dir}/package.json`)) as {
      exports: Record<string, { 'herald-compiled': string; default: string }>;
    };
    for (const [subpath, target] of Object.entries(manifest.exports)) {
      expect(Object.keys(target), subpath).toEqual(['herald-compiled', 'default']);
      expect(target.default, subpath).toMatch(/^\.\/src\/.+\.ts$/);
      expect(target['herald-compiled'], subpath).toBe(
        target.default.replace('./src/', './dist/').replace(/\.ts$/, '.js'),
      );
      expect(exists(`${dir}/${target['herald-compiled']}`), `${dir} ${subpath}`).toBe(true);
    }
  });

  it.each(['api', 'worker'])(
    'apps/%s loads without a TypeScript loader, as its image checks at build time',
    async (app) => {
      const { stderr } = await run(
        process.execPath,
        ['--conditions=herald-compiled', '--input-type=module', '--eval', `await import('@herald/${app}')`],
        { cwd: path.join(ROOT, 'apps', app) },
      );
      expect(stderr).toBe('');
    },
  );

  it("applies the migrations with the migrate Job's command", async () => {
    const database = await createTestDatabase({ migrate: false });
    try {
      await run(process.execPath, ['--conditions=herald-compiled', 'apps/cli/dist/main.js', 'migrate'], {
        cwd: ROOT,
        env: { ...process.env, DATABASE_URL: database.url, LOG_LEVEL: 'warn' },
      });
      const client = new pg.Client({ connectionString: database.url });
      await client.connect();
      try {
        const { rows } = await client.query<{ count: string }>(
          'SELECT count(*) FROM _prisma_migrations WHERE finished_at IS NOT NULL',
        );
        const migrations = readdirSync(path.join(ROOT, 'prisma/migrations'), { withFileTypes: true }).filter(
          (entry) => entry.isDirectory(),
        );
        expect(Number(rows[0]?.count)).toBe(migrations.length);
      } finally {
        await client.end();
      }
    } finally {
      await database.drop();
    }
  });
});
