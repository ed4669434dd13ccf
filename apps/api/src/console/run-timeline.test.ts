import { describe, expect, it } from 'vitest';
import { runTimeline } from './run-timeline';

const at = (iso: string) => new Date(`2026-12-06T${iso}Z`);
const base = {
  maxAttempts: 3,
  error: null,
  createdAt: at('10:00:00.000'),
  startedAt: at('10:00:01.000'),
  updatedAt: at('10:00:05.000'),
};

describe('runTimeline', () => {
  it('lists each recorded attempt; a run cancelled while waiting to retry ends after its last', () => {
    const entries = runTimeline({
      ...base,
      status: 'cancelled',
      attempts: 1,
      finishedAt: at('10:00:05.000'),
      attemptLog: [
        {
          attempt: 1,
          startedAt: '2026-12-06T10:00:01.000Z',
          endedAt: '2026-12-06T10:00:02.000Z',
          outcome: 'retrying',
          error: 'quota exceeded',
          nextAttemptAt: '2026-12-06T10:01:02.000Z',
        },
      ],
    });
    expect(entries).toEqual([
      { label: 'Queued', at: at('10:00:00.000') },
      { label: 'Attempt 1 started', at: at('10:00:01.000') },
      {
        label: 'Attempt 1 failed',
        at: at('10:00:02.000'),
        detail: 'quota exceeded, retry at 2026-12-06 10:01:02 UTC',
      },
      { label: 'Ended: cancelled', at: at('10:00:05.000'), detail: 'after 1 attempt(s)' },
    ]);
  });

  it('shows a running attempt as started only', () => {
    const entries = runTimeline({
      ...base,
      status: 'running',
      attempts: 1,
      finishedAt: null,
      attemptLog: [{ attempt: 1, startedAt: '2026-12-06T10:00:01.000Z' }],
    });
    expect(entries.map((entry) => entry.label)).toEqual(['Queued', 'Attempt 1 started']);
  });

  it('derives the timeline from the row when no attempt was recorded', () => {
    const entries = runTimeline({
      ...base,
      status: 'succeeded',
      attempts: 2,
      finishedAt: at('10:00:06.000'),
      attemptLog: null,
    });
    expect(entries.map((entry) => entry.label)).toEqual(['Queued', 'Started', 'Retried', 'Ended: succeeded']);
  });
});
