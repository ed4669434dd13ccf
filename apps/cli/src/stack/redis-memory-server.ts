import type { Logger } from '../cli/logger';
import { noop, type ResolvedService } from './service';

interface RedisMemoryServerInstance {
  getHost(): Promise<string>;
  getPort(): Promise<number>;
  stop(): Promise<unknown>;
}

type RedisMemoryServerModule = { RedisMemoryServer: new () => RedisMemoryServerInstance };

/**
 * Starts Redis through the optional `redis-memory-server` package. Herald does not depend on
 * it (its install downloads Redis sources); undefined when it is not installed or fails.
 */
export async function tryRedisMemoryServer(log: Logger): Promise<ResolvedService | undefined> {
  // A variable keeps bundlers and tsc from insisting that the optional package exists.
  const moduleName = 'redis-memory-server';
  let module: RedisMemoryServerModule;
  try {
    module = (await import(moduleName)) as RedisMemoryServerModule;
  } catch {
    return undefined;
  }
  try {
    const server = new module.RedisMemoryServer();
    const [host, port] = [await server.getHost(), await server.getPort()];
    log.info({ host, port }, 'started redis-memory-server');
    let stop = async () => {
      stop = noop;
      await server.stop();
    };
    return {
      url: `redis://${host}:${port}`,
      source: 'started',
      description: `redis-memory-server on ${host}:${port} (started)`,
      stop: () => stop(),
    };
  } catch (error) {
    log.warn({ err: error }, 'redis-memory-server is installed but did not start');
    return undefined;
  }
}
