import { describe, it } from 'vitest';
import { runPostgresOutage } from './scenarios/postgres-outage';
import { expectClean } from './support/expect-clean';
import { QUICK } from './support/sizes';

describe('PostgreSQL unreachable (TCP proxy refusing, then resetting, connections)', () => {
  it('the API answers 503 and stays up, workers wait, and afterwards every run ends with its one mail', async () => {
    expectClean(await runPostgresOutage(QUICK.postgres));
  }, 300_000);
});
