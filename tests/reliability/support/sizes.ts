import type { Entry } from './herald-process';

/** How big each scenario is: the quick form runs in CI (vitest), the full form in `tsx tests/reliability/run-full.ts`. */
export interface Sizes {
  crash: {
    runs: number;
    workers: number;
    killEveryMs: number;
    /** The quick form's workers hold 3 s locks so killed jobs return in seconds; the full form runs main.ts as deployed (30 s). */
    entry: Entry;
    submitOverMs: number;
    maxKillPhaseMs: number;
    settleTimeoutMs: number;
  };
  smtp: { runs: number; tempfailMs: number; stoppedMs: number; settleTimeoutMs: number };
  postgres: { runs: number; outageMs: number; settleTimeoutMs: number };
  redis: { runs: number; downtimeMs: number; settleTimeoutMs: number };
  shutdown: { inFlight: number; settleTimeoutMs: number };
  hostile: { maxRequests: number; timeBudgetMs: number; seed?: number };
}

export const QUICK: Sizes = {
  crash: {
    runs: 200,
    workers: 4,
    killEveryMs: 2_000,
    entry: 'short-lock-worker',
    submitOverMs: 10_000,
    maxKillPhaseMs: 40_000,
    settleTimeoutMs: 150_000,
  },
  smtp: { runs: 40, tempfailMs: 5_000, stoppedMs: 5_000, settleTimeoutMs: 120_000 },
  postgres: { runs: 40, outageMs: 8_000, settleTimeoutMs: 150_000 },
  redis: { runs: 40, downtimeMs: 3_000, settleTimeoutMs: 150_000 },
  shutdown: { inFlight: 50, settleTimeoutMs: 150_000 },
  hostile: { maxRequests: 1_500, timeBudgetMs: 60_000 },
};

export const FULL: Sizes = {
  crash: {
    runs: 1_000,
    workers: 4,
    killEveryMs: 2_000,
    entry: 'worker',
    submitOverMs: 60_000,
    maxKillPhaseMs: 150_000,
    settleTimeoutMs: 300_000,
  },
  smtp: { runs: 200, tempfailMs: 30_000, stoppedMs: 30_000, settleTimeoutMs: 300_000 },
  postgres: { runs: 200, outageMs: 30_000, settleTimeoutMs: 300_000 },
  redis: { runs: 200, downtimeMs: 15_000, settleTimeoutMs: 300_000 },
  shutdown: { inFlight: 50, settleTimeoutMs: 200_000 },
  hostile: { maxRequests: 8_000, timeBudgetMs: 180_000 },
};
