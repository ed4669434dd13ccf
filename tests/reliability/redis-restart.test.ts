import { describe, it } from 'vitest';
import { runRedisRestart } from './scenarios/redis-restart';
import { expectClean } from './support/expect-clean';
import { QUICK } from './support/sizes';

describe('Redis restarts (append-only file on) with runs delayed, waiting and running in it', () => {
  it('API and workers reconnect by themselves and no accepted run is lost or mailed twice', async () => {
    expectClean(await runRedisRestart(QUICK.redis));
  }, 300_000);
});
