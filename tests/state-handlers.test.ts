import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineTask, onStateChange, type RunState, type StateChange } from '@herald/core';
import { createHarness, waitFor, waitForRunEnd, type Harness } from './support/harness';

class QuotaError extends Error {
  override name = 'QuotaError';
}

const seen: { runId: string; from: RunState; to: RunState; change: StateChange }[] = [];
const record = onStateChange((_task, from, to, change) => {
  seen.push({ runId: change.runId, from, to, change });
});

const quota = record(
  defineTask({
    name: 'handlers.quota',
    input: z.object({}),
    attempts: 2,
    backoff: { type: 'fixed', delay: 300 },
    run: async () => {
      throw new QuotaError('over the monthly quota');
    },
  }),
);

// The first handler never settles; the run must end anyway and the second handler still be called.
const stuck = record(
  onStateChange(() => new Promise<void>(() => undefined))(
    defineTask({ name: 'handlers.stuck', input: z.object({}), run: async () => ({ ok: true }) }),
  ),
);

let h: Harness;
const tenant = () => ({ organizationId: h.org.id, userId: h.user.id });
const changesOf = (runId: string) => seen.filter((entry) => entry.runId === runId);

beforeAll(async () => {
  h = await createHarness([quota, stuck]);
  h.startWorker({ concurrency: 5, stateHandlerTimeoutMs: 300 });
});
afterAll(async () => {
  await h?.close();
});

describe('state handlers', () => {
  it('see the error with its name and stack, and when a retry is planned', async () => {
    const run = await h.client.enqueue('handlers.quota', {}, tenant());
    expect((await waitForRunEnd(h, run.id)).status).toBe('failed');
    const ended = await waitFor(
      async () => changesOf(run.id).find((e) => e.to === 'failed'),
      3_000,
      'the failed change',
    );
    const retry = changesOf(run.id).find((e) => e.to === 'retrying')!;

    expect(retry.change.error).toMatchObject({ name: 'QuotaError', message: 'over the monthly quota' });
    expect(retry.change.error!.stack).toContain('QuotaError: over the monthly quota');
    const planned = Date.parse(retry.change.nextAttemptAt!);
    expect(planned).toBeGreaterThan(Date.now() - 10_000);
    expect(ended.change.error?.name).toBe('QuotaError');
    expect(ended.change.nextAttemptAt).toBeUndefined();
  });

  it('a handler that never settles is abandoned after its time limit; the run ends and later handlers run', async () => {
    const started = Date.now();
    const run = await h.client.enqueue('handlers.stuck', {}, tenant());
    expect((await waitForRunEnd(h, run.id, 10_000)).status).toBe('succeeded');
    await waitFor(
      async () => changesOf(run.id).some((e) => e.to === 'succeeded'),
      3_000,
      'the succeeded change',
    );
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('are called when a run is cancelled before it started', async () => {
    const run = await h.client.enqueue('handlers.quota', {}, tenant(), { delay: 60_000 });
    expect(await h.client.cancel(run.id, tenant())).toBe('cancelled');
    const cancelled = changesOf(run.id);
    expect(cancelled).toEqual([
      expect.objectContaining({
        from: 'queued',
        to: 'cancelled',
        change: expect.objectContaining({ error: expect.objectContaining({ name: 'RunCancelledError' }) }),
      }),
    ]);
  });
});
