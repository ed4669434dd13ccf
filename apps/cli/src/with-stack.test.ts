import { testServerUrl } from '@herald/db/testing';
import { describe, expect, it, vi } from 'vitest';
import { parseOneJson, runHerald } from './testing/run-herald';

// The CLI runs as a child process; on a busy machine that is slow.
vi.setConfig({ testTimeout: 120_000 });

// Settings given explicitly are passed through untouched, so nothing is started here.
const given = {
  REDIS_URL: 'redis://127.0.0.1:6399',
  DATABASE_URL: testServerUrl(),
  QUEUE_BACKEND: undefined,
};
const printEnv =
  'console.log(JSON.stringify({ redis: process.env.REDIS_URL, database: process.env.DATABASE_URL }))';

describe('herald with-stack', () => {
  it('runs the command with REDIS_URL and DATABASE_URL and exits with its code', async () => {
    const result = await runHerald(
      ['with-stack', '--', process.execPath, '-e', `${printEnv}; process.exit(7)`],
      given,
    );
    expect(result.code).toBe(7);
    expect(JSON.parse(result.stdout)).toEqual({ redis: given.REDIS_URL, database: given.DATABASE_URL });
  });

  it('with --json keeps stdout for its own one JSON object', async () => {
    const result = await runHerald(['with-stack', '--json', '--', process.execPath, '-e', printEnv], given);
    expect(result.code).toBe(0);
    expect(parseOneJson(result.stdout)).toMatchObject({ exitCode: 0, env: { REDIS_URL: given.REDIS_URL } });
    expect(result.stderr).toContain(given.REDIS_URL);
  });

  it('exits 2 without a command', async () => {
    const result = await runHerald(['with-stack', '--'], given);
    expect(result.code).toBe(2);
    expect(result.stderr.trim()).toMatch(/^herald with-stack: give the command/);
  });
});
