import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import openapiTS, { astToString } from 'openapi-typescript';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createHeraldClient,
  HeraldApiError,
  RunFailedError,
  RunWaitTimeoutError,
  type HeraldClient,
} from '@herald/client';
import { registry } from '@herald/tasks';
import { createResponseValidator } from './support/openapi-validator';
import { startStack, type Stack, type Tenant } from './support/stack';

let stack: Stack;
let acme: Tenant;
let herald: HeraldClient;
const validateResponse = createResponseValidator(registry);

/** The client against the real API, each answer checked against the document as the API tests do. */
function clientFor(tenant: Tenant): HeraldClient {
  return createHeraldClient({
    baseUrl: stack.api.url,
    token: tenant.token,
    fetch: async (request) => {
      const response = await fetch(request);
      const problems = await validateResponse(request.method, request.url, response);
      if (problems.length)
        throw new Error(`The response does not match the OpenAPI document:\n${problems.join('\n')}`);
      return response;
    },
  });
}

beforeAll(async () => {
  stack = await startStack({ TEST_EMAIL_RATE_LIMIT: '1' });
  acme = await stack.createTenant('Acme', 'ada@acme.test');
  herald = clientFor(acme);
});
afterAll(async () => {
  await stack?.close();
});

const later = { delay: 600_000 };

describe('@herald/client against a running API', () => {
  it('submitAndWait resolves with the run once it has succeeded', async () => {
    const run = await herald.submitAndWait(
      { task: 'reports.build', input: { report_name: 'Q3', stepMs: 1 } },
      { timeoutMs: 15_000, intervalMs: 50 },
    );
    expect(run).toMatchObject({
      task: 'reports.build',
      status: 'succeeded',
      progress: 100,
      result: { report_name: 'Q3', rows: 1000 },
    });
  });

  it('waitForRun rejects with the run when it failed', async () => {
    const { id } = await herald.submit({
      task: 'tests.execute',
      input: { testId: 'x', outcome: 'fail' },
      options: { attempts: 1 },
    });
    const error = await herald
      .waitForRun(id, { timeoutMs: 15_000, intervalMs: 50 })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RunFailedError);
    expect((error as RunFailedError).run).toMatchObject({ id, status: 'failed', attempts: 1 });
  });

  it('times out cleanly, and stops at once when its signal aborts', async () => {
    const { id } = await herald.submit({ task: 'tests.execute', input: { testId: 'slow' }, options: later });
    const started = Date.now();
    const timedOut = await herald
      .waitForRun(id, { timeoutMs: 300, intervalMs: 50 })
      .catch((caught: unknown) => caught);
    expect(timedOut).toBeInstanceOf(RunWaitTimeoutError);
    expect(timedOut).toMatchObject({ runId: id, timeoutMs: 300, lastSeen: { status: 'queued' } });
    expect(Date.now() - started).toBeLessThan(2_000);

    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('caller gave up')), 100);
    await expect(
      herald.waitForRun(id, { timeoutMs: 10_000, intervalMs: 50, signal: controller.signal }),
    ).rejects.toThrow('caller gave up');
    await herald.cancel(id);
  });

  it('listRuns follows nextCursor through every page', async () => {
    const owner = await stack.createTenant('Paging', 'pat@paging.test');
    const client = clientFor(owner);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++)
      ids.push(
        (await client.submit({ task: 'tests.execute', input: { testId: `p${i}` }, options: later })).id,
      );
    const seen: string[] = [];
    for await (const run of client.listRuns({ limit: 2 })) seen.push(run.id);
    expect(seen).toEqual(ids.reverse());
  });

  it("errors carry the API's code, details and Retry-After; another organization's run is not_found", async () => {
    const unknown = await herald
      .submit({ task: 'no.such' as 'email_notification_test' })
      .catch((caught: unknown) => caught);
    expect(unknown).toBeInstanceOf(HeraldApiError);
    expect(unknown).toMatchObject({ status: 400, code: 'unknown_task', details: [{ field: 'task' }] });

    const chord = await herald
      .submitChord({
        tasks: [{ task: 'tests.execute', input: { testId: 7 as unknown as string } }],
        callback: { task: 'email_notification_test' },
      })
      .catch((caught: unknown) => caught);
    expect(chord).toMatchObject({ code: 'invalid_input', details: [{ field: 'tasks[0].input.testId' }] });

    await expect(
      clientFor({ ...acme, token: 'hrld_not-a-real-token-at-all' }).getRun('x'),
    ).rejects.toMatchObject({ status: 401, code: 'unauthorized' });

    const globex = clientFor(await stack.createTenant('Globex', 'hank@globex.test'));
    const { id } = await globex.submit({
      task: 'tests.execute',
      input: { testId: 'secret' },
      options: later,
    });
    await expect(herald.getRun(id)).rejects.toMatchObject({ status: 404, code: 'not_found' });

    await herald.sendTestEmail('one');
    const limited = await herald.sendTestEmail('two').catch((caught: unknown) => caught);
    expect(limited).toMatchObject({ status: 429, code: 'rate_limited' });
    expect((limited as HeraldApiError).retryAfterSeconds).toBeGreaterThan(0);
  });
});

describe("@herald/client's types", () => {
  it('are the ones openapi-typescript generates from docs/openapi.json (else: npm run openapi)', async () => {
    const document = JSON.parse(
      await readFile(new URL('../docs/openapi.json', import.meta.url), 'utf8'),
    ) as object;
    const generated = astToString(await openapiTS(document as never, { defaultNonNullable: false }));
    const committed = await readFile(new URL('../packages/client/src/schema.d.ts', import.meta.url), 'utf8');
    expect(
      committed.endsWith(generated),
      'packages/client/src/schema.d.ts is stale: run `npm run openapi`',
    ).toBe(true);
  });

  it('compile against the document: a usage file type-checks, and what the API refuses does not', () => {
    const file = fileURLToPath(new URL('./fixtures/client-usage.ts', import.meta.url));
    const configPath = fileURLToPath(new URL('../tsconfig.base.json', import.meta.url));
    const { config } = ts.readConfigFile(configPath, (path) => ts.sys.readFile(path));
    const { options } = ts.parseJsonConfigFileContent(
      config,
      ts.sys,
      fileURLToPath(new URL('..', import.meta.url)),
    );
    const program = ts.createProgram([file], options);
    const diagnostics = ts
      .getPreEmitDiagnostics(program)
      .map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    expect(diagnostics).toEqual([]);
  }, 60_000);
});
