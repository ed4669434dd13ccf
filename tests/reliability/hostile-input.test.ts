import { describe, it } from 'vitest';
import { runHostileInput } from './scenarios/hostile-input';
import { expectClean } from './support/expect-clean';
import { QUICK } from './support/sizes';

describe('hostile input against the real API (fast-check)', () => {
  it('no 5xx, no crash, no other tenant’s data in any answer, every mail header clean and body escaped', async () => {
    expectClean(await runHostileInput(QUICK.hostile));
  }, 420_000);
});
