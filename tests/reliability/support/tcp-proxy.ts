import net from 'node:net';
import { once } from 'node:events';

/**
 * up: forward every connection to the target.
 * reset: cut every open connection and answer new ones with a TCP reset (a dead network path).
 * refuse: cut every open connection and stop listening, so a connect gets ECONNREFUSED (a server that is down).
 */
export type ProxyMode = 'up' | 'reset' | 'refuse';

export interface TcpProxy {
  port: number;
  readonly mode: ProxyMode;
  /** `url` (a postgres:// or redis:// URL) rewritten to go through the proxy. */
  rewrite(url: string): string;
  setMode(mode: ProxyMode): Promise<void>;
  /**
   * From now on, nothing the server sends reaches the clients (their requests still reach the
   * server): a server that has done what it was asked and whose answer is lost on the way.
   */
  holdReplies(): void;
  /** Connections accepted in the up state since the start. */
  readonly accepted: number;
  close(): Promise<void>;
}

/**
 * A TCP proxy on 127.0.0.1 between Herald and a dependency, so a test can take the dependency
 * away from Herald without touching the machine's own server (which other tests use).
 */
export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const pairs = new Set<{ client: net.Socket; upstream: net.Socket }>();
  let mode: ProxyMode = 'up';
  let accepted = 0;
  let isHoldingReplies = false;

  const server = net.createServer((client) => {
    if (mode !== 'up') {
      client.resetAndDestroy();
      return;
    }
    accepted++;
    const upstream = net.connect({ host: target.host, port: target.port });
    const pair = { client, upstream };
    pairs.add(pair);
    const drop = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    client.pipe(upstream);
    // By hand rather than pipe(): holdReplies() must be able to stop this direction at once.
    upstream.on('data', (chunk: Buffer) => {
      if (!isHoldingReplies) client.write(chunk);
    });
  });
  server.on('error', () => undefined);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as net.AddressInfo).port;

  function cutAll(): void {
    for (const { client, upstream } of pairs) {
      client.resetAndDestroy();
      upstream.destroy();
    }
    pairs.clear();
  }

  async function listen(): Promise<void> {
    // The port was ours a moment ago; listening again on it is what a restarted server does.
    for (let attempt = 0; ; attempt++) {
      try {
        server.listen(port, '127.0.0.1');
        await once(server, 'listening');
        return;
      } catch (error) {
        if (attempt >= 50) throw error;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  }

  return {
    port,
    get mode() {
      return mode;
    },
    get accepted() {
      return accepted;
    },
    rewrite(url: string) {
      const parsed = new URL(url);
      parsed.hostname = '127.0.0.1';
      parsed.port = String(port);
      return parsed.toString();
    },
    async setMode(next: ProxyMode) {
      const previous = mode;
      mode = next;
      if (next !== 'up') cutAll();
      if (next === 'refuse' && previous !== 'refuse')
        await new Promise<void>((resolve) => server.close(() => resolve()));
      if (next !== 'refuse' && previous === 'refuse') await listen();
    },
    holdReplies() {
      isHoldingReplies = true;
    },
    async close() {
      mode = 'reset';
      cutAll();
      if (server.listening) await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
