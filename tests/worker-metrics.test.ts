import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from './support/harness';
import { startStack, type Stack, type Tenant } from './support/stack';

let stack: Stack;
let acme: Tenant;
let healthPort: number;

async function freePort(): Promise<number> {
  const server = net.createServer().listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

beforeAll(async () => {
  healthPort = await freePort();
  stack = await startStack({ WORKER_HEALTH_PORT: String(healthPort) });
  acme = await stack.createTenant('Acme', 'ada@acme.test');
});
afterAll(async () => {
  await stack?.close();
});

const scrape = async () => (await fetch(`http://127.0.0.1:${healthPort}/metrics`)).text();

describe('the worker /metrics', () => {
  it('counts jobs, their durations, deliveries by status and SMTP send latency on the health port', async () => {
    const response = await stack.call(acme, 'POST', '/api/tasks/email-notification-test', { message: 'hi' });
    expect(response.status).toBe(202);
    await waitFor(
      async () => stack.inbox.messages.find((mail) => mail.to.includes('ada@acme.test')),
      15_000,
      'the mail',
    );
    const text = await waitFor(
      async () => {
        const body = await scrape();
        return /herald_worker_jobs_total\{queue="notifications",outcome="completed"\} 1/.test(body) && body;
      },
      10_000,
      'the notification job to be counted',
    );
    expect(text).toMatch(/herald_worker_jobs_total\{queue="tasks",outcome="completed"\} 1/);
    expect(text).toMatch(/herald_worker_job_duration_seconds_count\{queue="tasks",outcome="completed"\} 1/);
    expect(text).toMatch(/herald_worker_deliveries_total\{channel="email",status="sent"\} 1/);
    expect(text).toMatch(/herald_worker_smtp_send_duration_seconds_count\{outcome="accepted"\} 1/);
    expect(text).toContain('herald_worker_process_cpu_user_seconds_total');
  });
});
