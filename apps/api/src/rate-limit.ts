import type { RedisConnection } from '@herald/core';

export interface RateLimitResult {
  allowed: boolean;
  retryAfterSeconds: number;
}

/** A fixed-window counter in Redis, so every API replica shares the same limit. */
export async function hitRateLimit(
  redis: RedisConnection,
  key: string,
  limit: number,
  windowSeconds: number,
): Promise<RateLimitResult> {
  const results = await redis.multi().incr(key).expire(key, windowSeconds, 'NX').ttl(key).exec();
  const count = Number(results?.[0]?.[1] ?? 0);
  const ttl = Number(results?.[2]?.[1] ?? windowSeconds);
  return { allowed: count <= limit, retryAfterSeconds: Math.max(ttl, 1) };
}
