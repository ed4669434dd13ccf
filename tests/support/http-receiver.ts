import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request a channel made to the test's receiver. */
export interface Received {
  path: string;
  headers: http.IncomingHttpHeaders;
  raw: string;
  body: any;
  status: number;
}

/**
 * A local HTTP server standing in for Slack, PagerDuty, Teams or a webhook: it records every
 * request, and a path answers 500 as many times as `failuresLeft` says before it accepts.
 */
export class HttpReceiver {
  readonly received: Received[] = [];
  readonly failuresLeft = new Map<string, number>();
  private readonly server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk: Buffer) => (raw += chunk.toString()));
    req.on('end', () => {
      const path = req.url ?? '/';
      const left = this.failuresLeft.get(path) ?? 0;
      const status = left > 0 ? 500 : 200;
      this.failuresLeft.set(path, left - 1);
      this.received.push({ path, headers: req.headers, raw, body: JSON.parse(raw), status });
      res.writeHead(status, { 'content-type': 'application/json' }).end('{}');
    });
  });

  /** Its base URL, once it listens on loopback. */
  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  close(): void {
    this.server.close();
  }
}
