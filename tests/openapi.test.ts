import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import SwaggerParser from '@apidevtools/swagger-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOpenApiDocument, serializeOpenApiDocument } from '@herald/api';
import { registry } from '@herald/tasks';
import { createResponseValidator } from './support/openapi-validator';
import { startStack, type Stack, type Tenant } from './support/stack';

let stack: Stack;
let acme: Tenant;

beforeAll(async () => {
  stack = await startStack();
  acme = await stack.createTenant('Acme', 'ada@acme.test');
});
afterAll(async () => {
  await stack?.close();
});

const errorOf = async (response: Response) =>
  ((await response.json()) as { error: { code: string; details?: unknown[] } }).error;

describe('the OpenAPI document', () => {
  it('is valid OpenAPI 3.1 and covers every route of the REST table', async () => {
    const document = createOpenApiDocument(registry);
    const validated = await SwaggerParser.validate(structuredClone(document) as never);
    expect((validated as { openapi?: string }).openapi).toBe('3.1.0');
    const operations = Object.entries(document.paths ?? {}).flatMap(([path, item]) =>
      Object.keys(item as object).map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(operations.sort()).toEqual(
      [
        'POST /api/tasks',
        'GET /api/tasks',
        'GET /api/tasks/{id}',
        'POST /api/tasks/{id}/cancel',
        'POST /api/flows',
        'POST /api/tasks/email-notification-test',
        'GET /api/templates',
        'GET /api/templates/{name}/preview',
        'GET /api/me/notification-preferences',
        'PUT /api/me/notification-preferences',
        'POST /api/schedules',
        'GET /api/schedules',
        'DELETE /api/schedules/{name}',
        'POST /api/schedules/{name}/pause',
        'POST /api/schedules/{name}/resume',
        'GET /api/channels',
        'GET /api/channels/{kind}',
        'PUT /api/channels/{kind}',
        'DELETE /api/channels/{kind}',
        'GET /api/channels/{kind}/{name}',
        'PUT /api/channels/{kind}/{name}',
        'DELETE /api/channels/{kind}/{name}',
      ].sort(),
    );
    expect(document.components?.securitySchemes?.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    const testEmail = document.paths?.['/api/tasks/email-notification-test']?.post?.responses?.['429'];
    expect(testEmail).toMatchObject({ headers: { 'Retry-After': { required: true } } });
  });

  it("shows each registered task's input, discriminated on `task`, for POST /api/tasks and the chord", () => {
    const schemas = createOpenApiDocument(registry).components?.schemas ?? {};
    const variants = (schemas.SubmitTask as { oneOf: { properties: { task: { const: string } } }[] }).oneOf;
    expect(variants.map((variant) => variant.properties.task.const).sort()).toEqual(registry.names().sort());
    expect(schemas.ReportsBuildInput).toMatchObject({
      required: ['report_name'],
      properties: { rows: { type: 'integer', default: 1000 } },
    });
    expect(schemas.Chord).toMatchObject({
      properties: {
        tasks: { items: { $ref: '#/components/schemas/TaskCall' } },
        callback: { $ref: '#/components/schemas/TaskCall' },
      },
    });
  });

  it('docs/openapi.json is the generated document (else: npm run openapi)', async () => {
    const committed = await readFile(new URL('../docs/openapi.json', import.meta.url), 'utf8');
    expect(
      committed === serializeOpenApiDocument(registry),
      'docs/openapi.json is stale: run `npm run openapi`',
    ).toBe(true);
  });

  it('`herald openapi [file]` writes it, with no service running', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'herald-openapi-'));
    try {
      const file = path.join(dir, 'openapi.json');
      const cli = new URL('../apps/cli/src/main.ts', import.meta.url).pathname;
      // Unreachable services and a setting that would stop any other command: it needs neither.
      const env = {
        ...process.env,
        REDIS_URL: 'redis://127.0.0.1:1',
        DATABASE_URL: 'postgresql://postgres@127.0.0.1:1/none',
        SMTP_PORT: 'abc',
      };
      const { stdout } = await promisify(execFile)(
        process.execPath,
        ['--import', 'tsx', cli, 'openapi', file],
        { env },
      );
      expect(stdout.trim()).toBe(`Wrote ${file}`);
      expect(await readFile(file, 'utf8')).toBe(serializeOpenApiDocument(registry));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('is served at GET /api/openapi.json without a token, and the reference page at /docs from local files', async () => {
    const served = await fetch(`${stack.api.url}/api/openapi.json`);
    expect(served.status).toBe(200);
    expect(await served.json()).toEqual(JSON.parse(serializeOpenApiDocument(registry)));
    const page = await fetch(`${stack.api.url}/docs/`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('Herald API reference');
    const assets = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((match) => match[1]!);
    expect(assets.length).toBeGreaterThan(2);
    for (const asset of assets) {
      expect(asset).not.toMatch(/^(https?:)?\/\//);
      expect((await fetch(new URL(asset, `${stack.api.url}/docs/`))).status, asset).toBe(200);
    }
    const init = await (await fetch(`${stack.api.url}/docs/swagger-ui-init.js`)).text();
    expect(init).toContain('"validatorUrl": null');
    expect(init).toContain('/api/tasks/{id}/cancel');
  });
});

describe('the response check the API tests run', () => {
  const validate = createResponseValidator(registry);
  const answer = (status: number, body: unknown, headers: Record<string, string> = {}) =>
    new Response(body === undefined ? null : JSON.stringify(body), {
      status,
      headers: { 'content-type': 'application/json', ...headers },
    });

  it('finds a field the document does not have, a missing header and an undocumented status', async () => {
    const accepted = { id: 'r1', task: 'tests.execute', status: 'queued' };
    expect(
      await validate('POST', '/api/tasks', answer(202, accepted, { location: '/api/tasks/r1' })),
    ).toEqual([]);
    expect(
      (
        await validate(
          'POST',
          '/api/tasks',
          answer(202, { ...accepted, title: 'x' }, { location: '/api/tasks/r1' }),
        )
      )[0],
    ).toMatch(/must NOT have additional properties/);
    expect(await validate('POST', '/api/tasks', answer(202, accepted))).toEqual([
      'POST /api/tasks 202: header Location is missing',
    ]);
    const limited = answer(429, { error: { code: 'rate_limited', message: 'slow down' } });
    expect(await validate('POST', '/api/tasks/email-notification-test', limited)).toEqual([
      'POST /api/tasks/email-notification-test 429: header Retry-After is missing',
    ]);
    expect(
      (
        await validate(
          'GET',
          '/api/templates',
          answer(409, { error: { code: 'already_finished', message: '' } }),
        )
      )[0],
    ).toMatch(/status not in the document/);
    expect(
      (await validate('GET', '/api/tasks', answer(400, { error: { code: 'made_up', message: '' } })))[0],
    ).toMatch(/allowed values/);
  });
});

describe('error details name the element', () => {
  const chord = (
    tasks: unknown[],
    callback: unknown = { task: 'tests.collect_results', input: { test_set_name: 's' } },
  ) => stack.call(acme, 'POST', '/api/flows', { tasks, callback });
  const test = (testId: unknown) => ({ task: 'tests.execute', input: { testId } });

  it("a chord child's bad input is tasks[i].input.field, its unknown task tasks[i].task", async () => {
    const badInput = await chord([test('a'), test('b'), test('c'), test(42)]);
    expect(badInput.status).toBe(400);
    expect(await errorOf(badInput)).toMatchObject({
      code: 'invalid_input',
      details: [{ field: 'tasks[3].input.testId', message: expect.stringMatching(/expected string/) }],
    });
    const unknown = await chord([test('a'), { task: 'no.such', input: {} }]);
    expect(await errorOf(unknown)).toMatchObject({
      code: 'unknown_task',
      details: [{ field: 'tasks[1].task' }],
    });
    const envelope = await chord([test('a'), { input: {} }]);
    expect(await errorOf(envelope)).toMatchObject({
      code: 'invalid_request',
      details: [{ field: 'tasks[1].task' }],
    });
  });

  it('the callback is callback.input (the whole input) or callback.input.field', async () => {
    const whole = await chord([test('a')], { task: 'tests.collect_results', input: 'nightly' });
    expect(await errorOf(whole)).toMatchObject({
      code: 'invalid_input',
      details: [{ field: 'callback.input' }],
    });
    const field = await chord([test('a')], { task: 'tests.collect_results', input: {} });
    expect(await errorOf(field)).toMatchObject({
      code: 'invalid_input',
      details: [{ field: 'callback.input.test_set_name' }],
    });
  });

  it('a bad path id names the path parameter; a bad query value the query parameter', async () => {
    const longId = 'x'.repeat(101);
    for (const [method, path] of [
      ['GET', `/api/tasks/${longId}`],
      ['POST', `/api/tasks/${longId}/cancel`],
    ] as const) {
      const response = await stack.call(acme, method, path);
      expect(response.status).toBe(400);
      expect(await errorOf(response)).toMatchObject({
        code: 'invalid_request',
        details: [{ field: 'id', in: 'path' }],
      });
    }
    const query = await stack.call(acme, 'GET', '/api/tasks?limit=0');
    expect(await errorOf(query)).toMatchObject({ details: [{ field: 'limit', in: 'query' }] });
  });

  it('a single task keeps input.field, and list elements are indexed with brackets', async () => {
    const single = await stack.call(acme, 'POST', '/api/tasks', {
      task: 'tests.execute',
      input: { testId: 42 },
    });
    expect(await errorOf(single)).toMatchObject({ details: [{ field: 'input.testId' }] });
    const muted = await stack.call(acme, 'PUT', '/api/me/notification-preferences', {
      email: { mutedTasks: ['ok', ''] },
    });
    expect(await errorOf(muted)).toMatchObject({
      code: 'invalid_request',
      details: [{ field: 'email.mutedTasks[1]' }],
    });
  });
});
