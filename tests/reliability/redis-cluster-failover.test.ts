import { describe, it } from 'vitest';
import { runRedisClusterFailover } from './scenarios/redis-cluster-failover';
import { clusterUnavailableReason } from './support/redis-cluster';
import { expectClean } from './support/expect-clean';

const skipReason = clusterUnavailableReason();

describe('Redis Cluster failover (3 masters, 3 replicas) under a trickle of submissions', () => {
  it.skipIf(skipReason)(
    `only 202 or 503, readiness drops and returns, nothing lost or mailed twice${skipReason ? ` (skipped: ${skipReason})` : ''}`,
    async () => {
      expectClean(await runRedisClusterFailover());
    },
    90_000,
  );
});
