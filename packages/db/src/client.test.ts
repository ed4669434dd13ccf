import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from './testing';

let testDb: TestDatabase;

beforeAll(async () => {
  testDb = await createTestDatabase({ migrate: false });
});
afterAll(async () => {
  await testDb?.drop();
});

describe('the shared pool', () => {
  it('survives a checked-out client losing its connection, and drops that client when released', async () => {
    const { pool } = testDb.db;
    const held = await pool.connect();
    const { rows } = await held.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    const ended = new Promise((resolve) => held.once('end', resolve));
    // Another session ends the held client's backend, as a restart or a resetting proxy would.
    try {
      await pool.query('SELECT pg_terminate_backend($1)', [rows[0]!.pid]);
      await ended;
    } finally {
      held.release();
    }

    // Without a listener of its own, the held client's 'error' event would have ended the process.
    const after = await pool.query<{ one: number }>('SELECT 1 AS one');
    expect(after.rows[0]?.one).toBe(1);
    expect(pool.totalCount).toBeLessThanOrEqual(1);
  });
});
