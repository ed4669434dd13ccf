import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createTestDatabase, type TestDatabase } from '@herald/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HandOver } from './hand-over';

/** Records, on the server's clock, when PostgreSQL ran the mark. */
const PROBE = {
  name: 'hand_over_probe',
  text: `INSERT INTO hand_over_probe ("messageId", "ranAt") VALUES ($1, clock_timestamp())`,
};

let testDb: TestDatabase;

beforeAll(async () => {
  testDb = await createTestDatabase({ migrate: false });
  await testDb.db.pool.query(`CREATE TABLE hand_over_probe ("messageId" text, "ranAt" timestamptz)`);
}, 60_000);
afterAll(async () => {
  await testDb?.drop();
});

async function ranAt(messageId: string): Promise<number | null> {
  const { rows } = await testDb.db.pool.query<{ ranAt: Date }>(
    `SELECT "ranAt" FROM hand_over_probe WHERE "messageId" = $1`,
    [messageId],
  );
  return rows[0] ? rows[0].ranAt.getTime() : null;
}

/** How far the server's clock is ahead of this process's, and how sure that is (half the round trip). */
async function serverClockOffset(): Promise<{ offsetMs: number; uncertaintyMs: number }> {
  const sentAt = Date.now();
  const { rows } = await testDb.db.pool.query<{ now: Date }>(`SELECT clock_timestamp() AS now`);
  const receivedAt = Date.now();
  return {
    offsetMs: rows[0]!.now.getTime() - (sentAt + receivedAt) / 2,
    uncertaintyMs: (receivedAt - sentAt) / 2,
  };
}

const spinFor = (ms: number) => {
  const end = Date.now() + ms;
  while (Date.now() < end);
};

describe('HandOver', () => {
  it('holds the mark in the kernel until the synchronous step that wrote it is over, then sends it at once', async () => {
    const clock = await serverClockOffset();
    const handOver = new HandOver(testDb.db.pool, PROBE, (messageId) => [messageId]);
    const writeMark = await handOver.prepare('<held@herald.test>');
    writeMark();
    // Stands for the end-of-data line's write and whatever else runs in the same step.
    spinFor(30);
    const stepEnded = Date.now();
    expect(await handOver.ended()).toEqual({ rows: 1 });
    const ran = (await ranAt('<held@herald.test>'))! - clock.offsetMs;
    // PostgreSQL ran the mark only after the step: sent at once, it would have run ~30 ms before.
    // A millisecond's grace for the clocks' rounding, plus what the offset may be off by.
    expect(ran).toBeGreaterThanOrEqual(stepEnded - 1 - clock.uncertaintyMs);
    expect(ran - stepEnded).toBeLessThan(1_000);
  });

  it('a process killed while its mark waits in the kernel still gets the mark committed', async () => {
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        '--input-type=module',
        '-e',
        `const { createDatabase } = await import('@herald/db');
         const { HandOver } = await import(${JSON.stringify(fileURLToPath(new URL('./hand-over.ts', import.meta.url)))});
         const db = createDatabase({ url: process.env.PROBE_URL, poolSize: 2 });
         const handOver = new HandOver(db.pool, ${JSON.stringify(PROBE)}, (messageId) => [messageId]);
         const writeMark = await handOver.prepare('<killed@herald.test>');
         writeMark();
         process.kill(process.pid, 'SIGKILL');`,
      ],
      { cwd: fileURLToPath(new URL('..', import.meta.url)), env: { ...process.env, PROBE_URL: testDb.url } },
    );
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const signal = await new Promise<NodeJS.Signals | null>((resolve) =>
      child.on('exit', (_code, sig) => resolve(sig)),
    );
    expect(signal, stderr).toBe('SIGKILL');
    const deadline = Date.now() + 5_000;
    while ((await ranAt('<killed@herald.test>')) === null && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await ranAt('<killed@herald.test>')).not.toBeNull();
  });

  it('writes no mark once the send has ended', async () => {
    const handOver = new HandOver(testDb.db.pool, PROBE, (messageId) => [messageId]);
    const writeMark = await handOver.prepare('<late@herald.test>');
    expect(await handOver.ended()).toEqual({ rows: 0 });
    writeMark();
    expect(await ranAt('<late@herald.test>')).toBeNull();
  });
});
