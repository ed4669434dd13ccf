import { describe, expect, it } from 'vitest';
import { isRedisUnavailableError, RedisDeadlineError, withRedisDeadline } from './redis-errors';

const named = (name: string, message: string) => Object.assign(new Error(message), { name });

describe('isRedisUnavailableError', () => {
  it.each([
    [
      'redirections exhausted on MOVED',
      new Error('Too many Cluster redirections. Last error: ReplyError: MOVED 5649 127.0.0.1:7102'),
    ],
    [
      'redirections exhausted on ASK',
      new Error('Too many Cluster redirections. Last error: ReplyError: ASK 5649 127.0.0.1:7102'),
    ],
    ['a bare MOVED', named('ReplyError', 'MOVED 5649 127.0.0.1:7102')],
    ['CLUSTERDOWN', named('ReplyError', 'CLUSTERDOWN The cluster is down')],
    ['TRYAGAIN', named('ReplyError', 'TRYAGAIN Multiple keys request during rehashing of slot')],
    ['READONLY', named('ReplyError', "READONLY You can't write against a read only replica.")],
    ['ClusterAllFailedError', named('ClusterAllFailedError', 'Failed to refresh slots cache.')],
    ['no startup node', new Error('None of startup nodes is available')],
    ['cluster not ready', new Error("Cluster isn't ready and enableOfflineQueue options is false")],
    ['connection closed', new Error('Connection is closed.')],
    ['offline queue off', new Error("Stream isn't writeable and enableOfflineQueue options is false")],
    [
      'max retries',
      named('MaxRetriesPerRequestError', 'Reached the max retries per request limit (which is 1).'),
    ],
    ['refused', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:7101'), { code: 'ECONNREFUSED' })],
    [
      'a cause',
      new Error('enqueue failed', { cause: named('ReplyError', 'CLUSTERDOWN Hash slot not served') }),
    ],
  ])('%s is unavailable', (_label, error) => {
    expect(isRedisUnavailableError(error)).toBe(true);
  });

  it.each([
    ['a bug', new TypeError("Cannot read properties of undefined (reading 'id')")],
    ['a script error', named('ReplyError', 'ERR Error running script: attempt to compare nil with number')],
    [
      'a wrong type',
      named('ReplyError', 'WRONGTYPE Operation against a key holding the wrong kind of value'),
    ],
    ['not an error', 'MOVED 1 x:1'],
    ['null', null],
  ])('%s is not', (_label, error) => {
    expect(isRedisUnavailableError(error)).toBe(false);
  });
});

describe('withRedisDeadline', () => {
  it('rejects with an unavailable error when Redis does not answer in time', async () => {
    const never = new Promise<never>(() => undefined);
    const error: unknown = await withRedisDeadline(never, 20, 'enqueue').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RedisDeadlineError);
    expect(isRedisUnavailableError(error)).toBe(true);
  });

  it('passes an answer through', async () => {
    await expect(withRedisDeadline(Promise.resolve('ok'), 1_000, 'enqueue')).resolves.toBe('ok');
  });
});
