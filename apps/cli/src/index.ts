export { resolveStack, type Stack, type StackOptions } from './stack/stack';
export { resolveRedis, LOCAL_REDIS, type RedisStrategy } from './stack/redis';
export { startRedisServer, findOnPath } from './stack/redis-server';
export { resolvePostgres, ensureDatabase, LOCAL_POSTGRES_URL, type PostgresStrategy } from './stack/postgres';
export { startEmbeddedPostgres, EMBEDDED_POSTGRES_PORT } from './stack/embedded-postgres';
export { pingRedis, findFreePort } from './stack/net';
export { StackError, type ResolvedService } from './stack/service';
export { DEFAULT_STATE_DIR, REPO_ROOT } from './stack/state-dir';
