import { describe, it } from 'vitest';
import { runShutdownCase, SHUTDOWN_CASES } from './scenarios/graceful-shutdown';
import { expectClean } from './support/expect-clean';
import { QUICK } from './support/sizes';

describe(`SIGTERM to a worker process with ${QUICK.shutdown.inFlight} runs in flight, runs shorter than the grace period`, () => {
  it('the worker finishes every run, then exits; none lost, none doubled', async () => {
    expectClean(await runShutdownCase(QUICK.shutdown, SHUTDOWN_CASES.finish));
  }, 300_000);
});
