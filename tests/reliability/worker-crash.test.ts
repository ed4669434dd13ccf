import { describe, it } from 'vitest';
import { runWorkerCrash } from './scenarios/worker-crash';
import { expectClean } from './support/expect-clean';
import { QUICK } from './support/sizes';

describe('worker processes SIGKILLed every ~2 s', () => {
  it(`${QUICK.crash.runs} wrapped runs: every run ends, the sink holds exactly one mail per run, to its owner`, async () => {
    expectClean(await runWorkerCrash(QUICK.crash));
  }, 360_000);
});
