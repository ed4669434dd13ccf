import { describe, it } from 'vitest';
import { runShutdownCase, SHUTDOWN_CASES } from './scenarios/graceful-shutdown';
import { expectClean } from './support/expect-clean';
import { QUICK } from './support/sizes';

describe(`SIGTERM to a worker process with ${QUICK.shutdown.inFlight} runs in flight, runs longer than the grace period`, () => {
  it('the worker exits at the end of its grace period and another worker completes the runs; none lost, none doubled', async () => {
    expectClean(await runShutdownCase(QUICK.shutdown, SHUTDOWN_CASES.handBack));
  }, 300_000);
});
