import http from 'node:http';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';

export type ReadinessCheck = () => Promise<Record<string, boolean>>;

/**
 * The worker takes no traffic; this small server answers Kubernetes' probes: /healthz while
 * the process runs, /readyz while Redis and PostgreSQL answer; and Prometheus at /metrics.
 */
export function startHealthServer(port: number, isReady: ReadinessCheck, logger: Logger, metrics?: Registry) {
  const server = http.createServer((req, res) => {
    if (req.url === '/metrics' && metrics) {
      metrics
        .metrics()
        .then((text) => res.writeHead(200, { 'content-type': metrics.contentType }).end(text))
        .catch(() => res.writeHead(500).end());
      return;
    }
    if (req.url === '/healthz') {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
      return;
    }
    if (req.url === '/readyz') {
      isReady()
        .then((checks) => {
          const ok = Object.values(checks).every(Boolean);
          res.writeHead(ok ? 200 : 503, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ status: ok ? 'ok' : 'unavailable', checks }));
        })
        .catch(() => res.writeHead(503).end('{"status":"unavailable"}'));
      return;
    }
    res.writeHead(404).end();
  });
  server.listen(port, () => logger.info({ port }, 'worker health server listening'));
  server.on('error', (error) => logger.error({ err: error }, 'worker health server failed'));
  return server;
}
