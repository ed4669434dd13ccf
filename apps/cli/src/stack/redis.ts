import type { Logger } from '../cli/logger';
import { pingRedis } from './net';
import { tryRedisMemoryServer } from './redis-memory-server';
import { findOnPath, startRedisServer } from './redis-server';
import { noop, StackError, type ResolvedService } from './service';

export type RedisStrategy = 'local' | 'redis-server' | 'redis-memory-server';

export interface ResolveRedisOptions {
  /** REDIS_URL when the user set it: used as it is. */
  url?: string;
  stateDir: string;
  log: Logger;
  /** Which ways to try, in order; all of them by default. */
  strategies?: RedisStrategy[];
}

export const LOCAL_REDIS = { host: '127.0.0.1', port: 6379 };

const HOW_TO_GET_REDIS =
  'No Redis found: nothing answers on 127.0.0.1:6379, redis-server is not on PATH and redis-memory-server is not installed. ' +
  'Install one (apt-get install redis-server, or brew install redis), run `docker compose up redis`, or set REDIS_URL.';

export async function resolveRedis({
  url,
  stateDir,
  log,
  strategies,
}: ResolveRedisOptions): Promise<ResolvedService> {
  if (url) return { url, source: 'environment', description: `${url} (REDIS_URL)`, stop: noop };
  for (const strategy of strategies ?? ['local', 'redis-server', 'redis-memory-server']) {
    if (strategy === 'local' && (await pingRedis(LOCAL_REDIS.host, LOCAL_REDIS.port))) {
      const local = `redis://${LOCAL_REDIS.host}:${LOCAL_REDIS.port}`;
      log.debug({ url: local }, 'using the Redis already running');
      return { url: local, source: 'running', description: `${local} (already running)`, stop: noop };
    }
    if (strategy === 'redis-server' && findOnPath('redis-server')) {
      return startRedisServer({ stateDir, log });
    }
    if (strategy === 'redis-memory-server') {
      const started = await tryRedisMemoryServer(log);
      if (started) return started;
    }
  }
  throw new StackError(HOW_TO_GET_REDIS);
}
