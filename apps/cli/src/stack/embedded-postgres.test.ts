import { chmodSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { canConnectToDatabase } from '@herald/db';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { blockedFolderForPostgresUser, startEmbeddedPostgres } from './embedded-postgres';
import { ensureDatabase } from './postgres';

const log = pino({ level: 'silent' });
const stateDir = mkdtempSync(path.join(tmpdir(), 'herald-embedded-'));
// As root, PostgreSQL runs as the `postgres` user, which must be able to reach the data directory.
chmodSync(stateDir, 0o755);
afterAll(() => rmSync(stateDir, { recursive: true, force: true }));

const blocked = blockedFolderForPostgresUser();
if (blocked) console.warn(`embedded PostgreSQL test skipped: as root, the postgres user cannot enter ${blocked}`);

describe.skipIf(blocked)('embedded PostgreSQL', () => {
  it(
    'initialises once, keeps its data between runs and stops what it started',
    { timeout: 120_000 },
    async () => {
      const first = await startEmbeddedPostgres({ stateDir, log });
      let url: string;
      try {
        expect(first.source).toBe('started');
        url = await ensureDatabase(first, 'herald', log);
        expect(new URL(url).pathname).toBe('/herald');
        expect(await canConnectToDatabase(url)).toBe(true);
      } finally {
        await first.stop();
      }
      expect(await canConnectToDatabase(first.url, 500)).toBe(false);
      expect(existsSync(path.join(stateDir, 'postgres', 'PG_VERSION'))).toBe(true);

      const second = await startEmbeddedPostgres({ stateDir, log });
      try {
        // The database created in the first run is still there.
        expect(await canConnectToDatabase(second.url.replace(/\/postgres$/, '/herald'))).toBe(true);
      } finally {
        await second.stop();
      }
    },
  );
});
