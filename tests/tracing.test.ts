// One trace from the REST request to the SMTP send, recorded in memory with the whole stack in
// this process. Telemetry starts before anything that loads express or pg is imported, as
// main.ts does it: the instrumentations only patch modules loaded after them. So the stack and
// the harness (which import pg) are imported dynamically, in beforeAll.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTelemetry, type Telemetry } from '@herald/core/telemetry';
import { createInMemoryTracing, SpanKind } from '@herald/core/testing';
import type * as harness from './support/harness';
import type { Stack, Tenant } from './support/stack';

const tracing = createInMemoryTracing();
let telemetry: Telemetry;
let stack: Stack;
let acme: Tenant;
let waitFor: typeof harness.waitFor;

beforeAll(async () => {
  telemetry = startTelemetry({
    serviceName: 'herald-test',
    config: { OTEL_SDK_DISABLED: false },
    spanProcessors: [tracing.spanProcessor],
  });
  ({ waitFor } = await import('./support/harness'));
  const { startStack } = await import('./support/stack');
  stack = await startStack({}, { telemetry: telemetry.bullmqTelemetry });
  acme = await stack.createTenant('Acme', 'ada@acme.test');
});
afterAll(async () => {
  await stack?.close();
  await telemetry?.shutdown();
});

type Span = ReturnType<typeof tracing.exporter.getFinishedSpans>[number];

/** The span and its ancestors, nearest first, as far as the recorded spans go. */
function ancestry(span: Span, spans: Span[]): Span[] {
  const byId = new Map(spans.map((s) => [s.spanContext().spanId, s]));
  const chain: Span[] = [];
  for (let at: Span | undefined = span; at; at = byId.get(at.parentSpanContext?.spanId ?? '')) chain.push(at);
  return chain;
}

describe('tracing', () => {
  it('follows a run from POST /api/tasks through both queues to smtp.send, in one trace', async () => {
    const response = await stack.call(acme, 'POST', '/api/tasks', {
      task: 'reports.build',
      input: { report_name: 'Q3' },
    });
    expect(response.status).toBe(202);
    const { id: runId } = (await response.json()) as { id: string };
    await waitFor(
      async () => stack.inbox.messages.find((m) => m.to.includes('ada@acme.test')),
      20_000,
      'the mail',
    );
    const send = await waitFor(
      async () =>
        tracing.exporter
          .getFinishedSpans()
          .find((s) => s.name === 'smtp.send' && s.attributes['herald.run.id'] === runId),
      5_000,
      'the smtp.send span',
    );
    // The parents end after their children: wait until the request's span is in too.
    const spans = await waitFor(
      async () => {
        const all = tracing.exporter.getFinishedSpans();
        return ancestry(send, all).at(-1)?.kind === SpanKind.SERVER ? all : null;
      },
      5_000,
      'the request span',
    );

    const chain = ancestry(send, spans);
    const traceId = send.spanContext().traceId;
    expect(chain.every((s) => s.spanContext().traceId === traceId)).toBe(true);
    // Nearest first: each is the parent (or an ancestor) of the one before it.
    const names = chain.map((s) => s.name);
    const expected = [
      'smtp.send',
      'process notifications',
      'addBulk notifications',
      'process tasks',
      'add tasks.reports.build',
      'POST /api/tasks',
    ];
    expect(names.filter((name) => expected.includes(name))).toEqual(expected);
    const request = chain.at(-1)!;
    expect(request.kind).toBe(SpanKind.SERVER);
    expect(request.attributes['http.route']).toBe('/api/tasks');
    expect(request.attributes['http.response.status_code']).toBe(202);
    expect(chain.find((s) => s.name === 'process tasks')!.attributes['bullmq.job.id']).toBe(runId);
    expect(send.kind).toBe(SpanKind.CLIENT);

    // The span names the delivery the API reports for this run, and its template.
    const run = (await (await stack.call(acme, 'GET', `/api/tasks/${runId}`)).json()) as {
      notifications: { id: string; template: string }[];
    };
    expect(send.attributes['herald.delivery.id']).toBe(run.notifications[0]!.id);
    expect(send.attributes['herald.template']).toBe('task-completion');

    // PostgreSQL shows under the request and under the run (the ledger writes).
    const inTrace = spans.filter((s) => s.spanContext().traceId === traceId);
    const pgUnder = (name: string) =>
      inTrace.some((s) => s.name.startsWith('pg.query') && ancestry(s, spans).some((a) => a.name === name));
    expect(pgUnder('POST /api/tasks')).toBe(true);
    expect(pgUnder('process tasks')).toBe(true);

    // No span carries the recipient's address or the caller's token.
    const recorded = JSON.stringify(inTrace.map((s) => s.attributes));
    expect(recorded).not.toContain('ada@acme.test');
    expect(recorded).not.toContain(acme.token);
  });
});
