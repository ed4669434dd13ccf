import { z } from 'zod';

export interface RedisNode {
  host: string;
  port: number;
}

const HOST_PORT = /^(?<host>\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(?<port>\d{1,5})$/;

/**
 * REDIS_CLUSTER_NODES: the cluster's seed nodes as comma-separated host:port pairs. Each is
 * checked on its own, so a typo names the entry at fault instead of failing at first connect.
 */
export const redisNodeList = z.string().transform((value, ctx): RedisNode[] => {
  const entries = value
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  const nodes: RedisNode[] = [];
  for (const entry of entries) {
    const match = HOST_PORT.exec(entry);
    const port = Number(match?.groups?.port);
    if (!match?.groups?.host || !(port >= 1 && port <= 65535)) {
      ctx.addIssue({ code: 'custom', message: `"${entry}" is not host:port (e.g. redis-0.redis:6379)` });
      continue;
    }
    nodes.push({ host: match.groups.host.replace(/^\[|\]$/g, ''), port });
  }
  return nodes;
});
