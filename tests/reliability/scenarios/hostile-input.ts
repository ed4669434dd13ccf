import { randomBytes, randomUUID } from 'node:crypto';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import fc from 'fast-check';
import { hashApiToken, revokeApiToken, createApiToken } from '@herald/db';
import { auditRuns, waitUntilSettled, type AcceptedRun } from '../support/audit';
import {
  BODY_PAYLOADS,
  HEADER_PAYLOADS,
  badAuthorization,
  encodeText,
  flow,
  hostileString,
  hostileValue,
  pathSegment,
  rawBody,
  submission,
} from '../support/hostile';
import type { HttpResult } from '../support/http';
import { findBodyProblems, findHeaderProblems } from '../support/mail-checks';
import { addAudit, emptyResult, type ScenarioResult } from '../support/result';
import type { Sizes } from '../support/sizes';
import { World } from '../support/world';

interface Probe {
  label: string;
  method: string;
  path: string;
  /** The Authorization header; the attacker's valid token when omitted. */
  authorization?: string | null;
  body?: unknown;
  headers?: Record<string, string>;
  /** A 202 here is a run (or chord) to follow to its end. */
  isSubmission?: boolean;
}

const MAX_RECORDED = 8;

/**
 * The real API (main.ts) and worker under hostile input from one tenant, generated with
 * fast-check: malformed and deeply nested JSON, wrong types, huge strings and bodies, unicode and
 * CRLF in every string that reaches a mail header, markup in every string that reaches a mail
 * body, another organization's ids, bad/expired/revoked tokens, unknown tasks. Oracles: no 5xx,
 * no crash, no response carrying the other organization's data, every mail's headers clean and
 * HTML escaped, the other organization's runs and settings untouched.
 */
export async function runHostileInput(sizes: Sizes['hostile']): Promise<ScenarioResult> {
  const result = emptyResult('hostile input (fast-check) against the API');
  const startedAt = Date.now();
  const world = await World.create();
  const problems = new Map<string, string[]>();
  const note = (kind: string, detail: string) => {
    const list = problems.get(kind) ?? [];
    list.push(detail);
    problems.set(kind, list);
  };
  try {
    // The attacker's own name and organization are hostile too: they reach the To header and every mail body.
    const attacker = await world.createTenant('Mallory', {
      userName: 'Mallory\r\nBcc: victim@evil.test <script>hxevil(0)</script> "quoted" 🧨',
      organizationName: 'Evil <b>Org</b>\r\nX-Injected: yes {{7*7}}',
    });
    const victim = await world.createTenant('Victim');
    const secret = `VICTIM-SECRET-${randomBytes(6).toString('hex')}`;
    const revoked = await createApiToken(world.db, { userId: attacker.userId, name: 'revoked' });
    await revokeApiToken(world.db, revoked.id);
    const expired = await createApiToken(world.db, { userId: attacker.userId, name: 'expired' });
    await world.db.prisma.apiToken.update({
      where: { id: expired.id },
      data: { expiresAt: new Date(Date.now() - 60_000) },
    });

    const [api] = await Promise.all([
      world.startApi('api', { TEST_EMAIL_RATE_LIMIT: '1000' }),
      world.startWorker('worker', { WORKER_CONCURRENCY: '20' }),
    ]);

    // The victim's runs: some still queued (delayed an hour), some finished.
    const victimRuns: string[] = [];
    for (let i = 0; i < 4; i++) {
      const response = await world.http.call(api.url, 'POST', '/api/tasks', {
        token: victim.token,
        body: {
          task: 'tests.execute',
          input: { testId: `${secret}-${i}`, name: secret },
          options: i < 2 ? { delay: 3_600_000 } : undefined,
        },
      });
      if (response?.status !== 202)
        throw new Error(`the victim could not submit a run: ${response?.status} ${response?.body}`);
      victimRuns.push(response.json.id as string);
    }
    // The victim's schedule and Slack connection: secrets the attacker must neither read nor change.
    const victimSchedule = `nightly-${secret}`;
    const victimWebhook = `https://hooks.slack.test/services/${secret}`;
    const schedule = await world.http.call(api.url, 'POST', '/api/schedules', {
      token: victim.token,
      body: { name: victimSchedule, task: 'tests.execute', input: { testId: secret }, cron: '0 0 1 1 *' },
    });
    const channel = await world.http.call(api.url, 'PUT', '/api/channels/slack', {
      token: victim.token,
      body: { webhookUrl: victimWebhook },
    });
    if (schedule?.status !== 201 || channel?.status !== 200) {
      throw new Error(`the victim's schedule or channel was refused: ${schedule?.status} ${channel?.status}`);
    }
    const markers = [
      victim.organizationId,
      victim.userId,
      victim.email,
      victim.organizationName,
      victim.token,
      hashApiToken(victim.token),
      secret,
      ...victimRuns,
    ];
    const victimCursor = Buffer.from(JSON.stringify([new Date().toISOString(), victimRuns[0]])).toString(
      'base64url',
    );

    const accepted: AcceptedRun[] = [];
    let rawRequests = 0;

    async function send(probe: Probe): Promise<HttpResult | null> {
      const headers: Record<string, string> = { ...probe.headers };
      if (probe.authorization === undefined) headers.authorization = `Bearer ${attacker.token}`;
      else if (probe.authorization !== null) headers.authorization = probe.authorization;
      const response = await world.http.call(api.url, probe.method, probe.path, {
        body: probe.body,
        headers,
        timeoutMs: 60_000,
      });
      const sent = `${probe.path}\n${typeof probe.body === 'string' ? probe.body : Buffer.isBuffer(probe.body) ? '' : JSON.stringify(probe.body)}\n${JSON.stringify(headers)}`;
      if (!response) return null;
      if (response.status >= 500)
        note(
          '5xx',
          `${probe.label}: ${probe.method} ${probe.path.slice(0, 120)} -> ${response.status} ${response.body.slice(0, 200)} (body ${JSON.stringify(probe.body)?.slice(0, 200)})`,
        );
      for (const marker of markers) {
        // An echo of what the request itself sent is not a leak; anything else of the victim's is.
        if (!sent.includes(marker) && response.body.includes(marker))
          note(
            'leak',
            `${probe.label}: ${probe.method} ${probe.path.slice(0, 120)} -> ${response.status} carries ${marker}`,
          );
      }
      if (/\bat [\w.<>]+ \(|node_modules|\.ts:\d+/.test(response.body))
        note(
          'internals',
          `${probe.label}: ${probe.method} ${probe.path.slice(0, 80)} -> ${response.body.slice(0, 200)}`,
        );
      // 431 and 414 come from Node's HTTP parser, before the API sees the request.
      const isApiAnswer = response.status !== 431 && response.status !== 414;
      if (
        probe.path.startsWith('/api') &&
        isApiAnswer &&
        response.status >= 400 &&
        probe.method !== 'HEAD' &&
        typeof response.json?.error?.code !== 'string'
      ) {
        note(
          'error shape',
          `${probe.label}: ${probe.method} ${probe.path.slice(0, 80)} -> ${response.status} ${response.body.slice(0, 120)}`,
        );
      }
      if (probe.isSubmission && response.status === 202 && typeof response.json?.id === 'string') {
        accepted.push({ id: response.json.id as string, tenant: attacker });
        for (const child of (response.json.children as string[] | undefined) ?? [])
          accepted.push({ id: child, tenant: attacker });
      }
      return response;
    }

    // Deterministic first: every header and body payload into every field that reaches a mail.
    for (const value of [...HEADER_PAYLOADS, ...BODY_PAYLOADS]) {
      await send({
        label: 'payload',
        method: 'POST',
        path: '/api/tasks',
        isSubmission: true,
        body: { task: 'reports.build', input: { report_name: value, stepMs: 1 } },
      });
      await send({
        label: 'payload',
        method: 'POST',
        path: '/api/tasks/email-notification-test',
        isSubmission: true,
        body: { message: value },
      });
      await send({
        label: 'payload',
        method: 'POST',
        path: '/api/flows',
        isSubmission: true,
        body: {
          tasks: [
            { task: 'tests.execute', input: { testId: 'a', name: value, outcome: 'fail' } },
            { task: 'tests.execute', input: { testId: value, outcome: 'fail' } },
          ],
          callback: { task: 'tests.collect_results', input: { test_set_name: value, test_run_id: value } },
        },
      });
    }
    const payloadRuns = accepted.length;

    // Names that are keys of Object.prototype, where a route looks a name up in an object.
    for (const name of ['__proto__', 'constructor', 'toString', 'hasOwnProperty']) {
      for (const [method, path] of [
        ['PUT', `/api/channels/${name}`],
        ['DELETE', `/api/channels/${name}`],
        ['GET', `/api/templates/${name}/preview`],
        ['DELETE', `/api/schedules/${name}`],
        ['GET', `/api/tasks/${name}`],
      ] as const) {
        const response = await send({
          label: 'prototype key',
          method,
          path,
          body: method === 'PUT' ? { webhookUrl: 'https://hooks.slack.test/x' } : undefined,
        });
        if (response && response.status !== 404 && response.status !== 400) {
          note('contract', `${method} ${path} answered ${response.status}, not 404`);
        }
      }
    }

    // Another organization's run is indistinguishable from one that does not exist.
    for (const [method, suffix] of [
      ['GET', ''],
      ['POST', '/cancel'],
    ] as const) {
      const theirs = await send({
        label: 'foreign id',
        method,
        path: `/api/tasks/${victimRuns[0]}${suffix}`,
      });
      const nobody = await send({ label: 'foreign id', method, path: `/api/tasks/${randomUUID()}${suffix}` });
      if (theirs?.status !== 404 || theirs.body !== nobody?.body) {
        note(
          'leak',
          `${method} another organization's run answered ${theirs?.status} ${theirs?.body.slice(0, 100)}, a missing one ${nobody?.status} ${nobody?.body.slice(0, 100)}`,
        );
      }
    }
    // Bodies over the limit, up to 10 MB.
    for (const size of [300_000, 10 * 1024 * 1024]) {
      const big = await send({
        label: 'large body',
        method: 'POST',
        path: '/api/tasks',
        body: JSON.stringify({ task: 'reports.build', input: { report_name: 'x'.repeat(size) } }),
        headers: { 'content-type': 'application/json' },
      });
      if (big && big.status !== 413) note('contract', `a ${size}-byte body answered ${big.status}, not 413`);
      await send({
        label: 'large body',
        method: 'POST',
        path: '/unsubscribe/x',
        body: 'a'.repeat(size),
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        authorization: null,
      });
    }

    // Then generated requests.
    const knownIds = [...victimRuns, 'email_notification_test', 'task-completion'];
    // Valid schedules only with times that never come during the test: a scheduled run is not an accepted one.
    const scheduleTime = fc.oneof(
      fc.record({
        cron: fc.oneof(
          fc.constantFrom('0 0 1 1 *', '* * * * * * *', '61 * * * *', '@hourly', '0 0 31 2 *'),
          hostileString,
        ),
      }),
      fc.record({ everyMs: fc.constantFrom<unknown>(86_400_000, 999, 0, -1, 1.5, '1000', null, 2 ** 53) }),
      fc.record({ cron: fc.constant('0 0 1 1 *'), everyMs: fc.constant(86_400_000) }),
      fc.constant({}),
    );
    const probe: fc.Arbitrary<Probe> = fc.oneof(
      {
        weight: 8,
        arbitrary: submission(victim).map((body) => ({
          label: 'submit',
          method: 'POST',
          path: '/api/tasks',
          body,
          isSubmission: true,
        })),
      },
      {
        weight: 3,
        arbitrary: flow.map((body) => ({
          label: 'flow',
          method: 'POST',
          path: '/api/flows',
          body,
          isSubmission: true,
        })),
      },
      {
        weight: 1,
        arbitrary: fc.record({ message: hostileValue }, { requiredKeys: [] }).map((body) => ({
          label: 'test e-mail',
          method: 'POST',
          path: '/api/tasks/email-notification-test',
          body,
          isSubmission: true,
        })),
      },
      {
        weight: 3,
        arbitrary: fc
          .tuple(
            pathSegment(knownIds),
            fc.constantFrom('', '/cancel', '/', '/../..'),
            fc.constantFrom('GET', 'POST', 'DELETE', 'PUT'),
          )
          .map(([id, suffix, method]) => ({ label: 'by id', method, path: `/api/tasks/${id}${suffix}` })),
      },
      {
        weight: 3,
        arbitrary: fc
          .record(
            {
              status: fc.oneof(
                fc.constantFrom('queued', 'running', 'succeeded', 'failed', 'cancelled'),
                hostileString,
              ),
              limit: fc.oneof(fc.integer({ min: -5, max: 200 }).map(String), hostileString),
              cursor: fc.oneof(
                fc.constant(victimCursor),
                fc.constantFrom(
                  Buffer.from(JSON.stringify(['-271821-04-20T00:00:00.000Z', victimRuns[0]])).toString(
                    'base64url',
                  ),
                  Buffer.from(JSON.stringify(['+275760-09-13T00:00:00.000Z', 'x'])).toString('base64url'),
                  Buffer.from(JSON.stringify(['2024-01-01T00:00:00.000Z', 'a\u0000b'])).toString('base64url'),
                  Buffer.from(JSON.stringify([1, 2])).toString('base64url'),
                ),
                hostileString.map((value) => Buffer.from(value).toString('base64url')),
                hostileString,
              ),
            },
            { requiredKeys: [] },
          )
          .map((query) => ({
            label: 'list',
            method: 'GET',
            path: `/api/tasks?${new URLSearchParams(query as Record<string, string>).toString()}`,
          })),
      },
      {
        weight: 2,
        arbitrary: fc
          .tuple(
            fc.oneof(fc.constantFrom(victimSchedule, 'mine'), hostileString),
            fc.oneof(fc.constantFrom('tests.execute', 'reports.build'), hostileString),
            hostileValue,
            scheduleTime,
            fc.option(
              fc.oneof(
                fc.constantFrom('UTC', 'Europe/Paris', 'Etc/GMT+99', '../../etc/localtime'),
                hostileString,
              ),
              { nil: undefined },
            ),
          )
          .map(([name, task, input, time, timezone]) => ({
            label: 'schedule',
            method: 'POST',
            path: '/api/schedules',
            body: { name, task, input, ...time, ...(timezone === undefined ? {} : { timezone }) },
          })),
      },
      {
        weight: 1,
        arbitrary: fc
          .tuple(fc.constantFrom('GET', 'DELETE'), pathSegment([victimSchedule, 'mine']))
          .map(([method, name]) => ({
            label: 'schedule',
            method,
            path: method === 'GET' ? '/api/schedules' : `/api/schedules/${name}`,
          })),
      },
      {
        weight: 2,
        arbitrary: fc
          .tuple(
            fc.constantFrom('GET', 'PUT', 'DELETE'),
            fc.oneof(
              fc.constantFrom('slack', 'pagerduty', '__proto__', 'constructor', 'SLACK'),
              pathSegment([]),
            ),
            fc.oneof(
              fc.record({
                webhookUrl: fc.oneof(
                  fc.constantFrom(
                    'https://hooks.slack.test/x',
                    'javascript:alert(1)',
                    'file:///etc/passwd',
                    'http://[::1]:6379/',
                  ),
                  hostileString,
                ),
              }),
              fc.record(
                {
                  routingKey: hostileString,
                  eventsUrl: fc.oneof(fc.constant('https://events.test/v2'), hostileString),
                },
                { requiredKeys: [] },
              ),
              hostileValue,
            ),
          )
          .map(([method, kind, body]) => ({
            label: 'channel',
            method,
            path: method === 'GET' ? '/api/channels' : `/api/channels/${kind}`,
            body: method === 'PUT' ? body : undefined,
          })),
      },
      {
        weight: 2,
        arbitrary: fc.tuple(fc.constantFrom('GET', 'PUT'), hostileValue).map(([method, body]) => ({
          label: 'preferences',
          method,
          path: '/api/me/notification-preferences',
          body: method === 'PUT' ? body : undefined,
        })),
      },
      {
        weight: 2,
        arbitrary: fc
          .tuple(pathSegment(['task-completion', 'test-execution-summary', 'digest']), hostileString)
          .map(([name, format]) => ({
            label: 'preview',
            method: 'GET',
            path: `/api/templates/${name}/preview?format=${encodeText(format)}`,
          })),
      },
      {
        weight: 2,
        arbitrary: fc
          .tuple(
            fc.oneof(
              fc.constant(
                `${Buffer.from(JSON.stringify({ u: victim.userId, o: victim.organizationId })).toString('base64url')}.${randomBytes(32).toString('base64url')}`,
              ),
              fc.constant(
                `${Buffer.from(JSON.stringify({ u: victim.userId, o: attacker.organizationId })).toString('base64url')}.${randomBytes(32).toString('base64url')}`,
              ),
              pathSegment([]),
            ),
            fc.constantFrom('GET', 'POST'),
            fc.constantFrom('List-Unsubscribe=One-Click', 'a&'.repeat(1_500), ''),
          )
          .map(([token, method, form]) => ({
            label: 'unsubscribe',
            method,
            path: `/unsubscribe/${token}`,
            authorization: null,
            body: method === 'POST' ? form : undefined,
            headers: Object.fromEntries(
              method === 'POST' ? [['content-type', 'application/x-www-form-urlencoded']] : [],
            ),
          })),
      },
      {
        weight: 3,
        arbitrary: rawBody.map(({ body, headers }) => ({
          label: 'raw body',
          method: 'POST',
          path: '/api/tasks',
          body,
          headers,
          isSubmission: true,
        })),
      },
      {
        weight: 3,
        arbitrary: fc
          .tuple(
            badAuthorization({
              revoked: revoked.token,
              expired: expired.token,
              victimHash: hashApiToken(victim.token),
            }),
            fc.constantFrom('/api/tasks', `/api/tasks/${victimRuns[0]}`, '/api/me/notification-preferences'),
          )
          .map(([authorization, path]) => ({
            label: 'bad token',
            method: 'GET',
            path,
            authorization: authorization ?? null,
          })),
      },
      {
        weight: 1,
        arbitrary: fc
          .tuple(
            fc.constantFrom('PATCH', 'DELETE', 'OPTIONS', 'HEAD', 'PUT', 'GET'),
            fc.constantFrom(
              '/api/tasks',
              '/api/flows',
              '/api//tasks',
              '/api/tasks/',
              '/API/TASKS',
              '/admin/queues',
              '/metrics',
              '/readyz',
              '/api/tasks/%2e%2e/%2e%2e/metrics',
              '/api/templates/',
              '/unsubscribe/',
            ),
          )
          .map(([method, path]) => ({ label: 'method/path', method, path })),
      },
    );

    // A new seed each run explores new inputs; RELIABILITY_SEED=<seed> replays one (the notes print it).
    const seed = sizes.seed ?? Number(process.env.RELIABILITY_SEED ?? Date.now() % 2 ** 31);
    const probes = fc.sample(probe, { numRuns: sizes.maxRequests, seed });
    const deadline = Date.now() + sizes.timeBudgetMs;
    let next = 0;
    let generated = 0;
    await Promise.all(
      Array.from({ length: 6 }, async () => {
        for (;;) {
          const index = next++;
          if (index >= probes.length || Date.now() > deadline) return;
          generated++;
          await send(probes[index]!);
        }
      }),
    );

    // Requests fetch cannot make: lying Content-Length, smuggling, broken chunks, junk request lines.
    for (const raw of RAW_REQUESTS) {
      rawRequests++;
      const status = await sendRaw(new URL(api.url).port, raw(attacker.token));
      if (status !== null && status >= 500)
        note('5xx', `raw request ${JSON.stringify(raw(attacker.token).slice(0, 80))} -> ${status}`);
    }

    const apiAlive = (await world.http.call(api.url, 'GET', '/healthz'))?.status === 200;
    if (!apiAlive) note('crash', 'the API stopped answering /healthz after the fuzz');

    // Runs its schedules produced (none should, with the times allowed above) are the attacker's runs too.
    const scheduled = await world.db.pool.query<{ id: string }>(
      `SELECT id FROM "TaskRun" WHERE "organizationId" = $1 AND "scheduleName" IS NOT NULL`,
      [attacker.organizationId],
    );
    for (const { id } of scheduled.rows) accepted.push({ id, tenant: attacker });

    // Every accepted run ends, mails once, to its owner, with clean headers and an escaped body.
    const settled = await waitUntilSettled(world.db, accepted, world.sink, 240_000);
    if (!settled) note('settle', 'not every accepted run ended and mailed within 240 s');
    addAudit(result, await auditRuns(world.db, accepted, world.sink.messages));
    let escapedPayloads = 0;
    for (const mail of world.sink.messages) {
      for (const problem of findHeaderProblems(mail, attacker.email))
        note('mail header', `mail ${mail.id} (${mail.subject.slice(0, 60)}): ${problem}`);
      for (const problem of findBodyProblems(mail))
        note('mail body', `mail ${mail.id} (${mail.subject.slice(0, 60)}): ${problem}`);
      if (/&lt;script&gt;hxevil|&lt;img src=x onerror=hxevil|&lt;hx-evil/.test(mail.html)) escapedPayloads++;
    }
    if (escapedPayloads === 0)
      note('coverage', 'no hostile markup reached a mail body: the body checks tested nothing');

    // The victim's data is as it was: its schedule, its Slack connection, its runs, its settings.
    const victimSchedules = await world.http.call(api.url, 'GET', '/api/schedules', { token: victim.token });
    if (!JSON.stringify(victimSchedules?.json ?? {}).includes(victimSchedule))
      note('leak', "the victim's schedule is gone");
    const victimChannels = await world.db.pool.query<{ config: { webhookUrl?: string } }>(
      `SELECT config FROM "NotificationChannel" WHERE "organizationId" = $1`,
      [victim.organizationId],
    );
    if (victimChannels.rows[0]?.config.webhookUrl !== victimWebhook)
      note('leak', "the victim's Slack connection was changed or removed");
    const victimState = await world.db.pool.query<{ id: string; status: string; input: { name?: string } }>(
      `SELECT id, status::text AS status, input FROM "TaskRun" WHERE "organizationId" = $1`,
      [victim.organizationId],
    );
    if (victimState.rows.length !== victimRuns.length)
      note(
        'leak',
        `the victim's organization now has ${victimState.rows.length} runs, not ${victimRuns.length}`,
      );
    for (const row of victimState.rows.filter((row) => victimRuns.slice(0, 2).includes(row.id))) {
      if (row.status !== 'queued') note('leak', `the victim's queued run ${row.id} is now ${row.status}`);
    }
    const preferences = await world.db.pool.query(
      `SELECT "emailEnabled" FROM "NotificationPreference" WHERE "userId" = $1`,
      [victim.userId],
    );
    if (preferences.rows.some((row: { emailEnabled: boolean }) => !row.emailEnabled))
      note('leak', "the victim's e-mail was turned off by someone else");
    const foreignRuns = await world.db.pool.query(
      `SELECT count(*) AS count FROM "TaskRun" WHERE "organizationId" = $1 AND "userId" <> $2`,
      [attacker.organizationId, attacker.userId],
    );
    if (Number(foreignRuns.rows[0].count) > 0)
      note('leak', "runs in the attacker's organization carry another user");

    // RELIABILITY_DUMP=<file>: every problem found, not only the first few, for reproducing a fuzz run.
    if (process.env.RELIABILITY_DUMP) {
      const { writeFileSync } = await import('node:fs');
      writeFileSync(process.env.RELIABILITY_DUMP, JSON.stringify(Object.fromEntries(problems), null, 1));
    }
    result.requests = world.http.requests + rawRequests;
    result.http5xx = problems.get('5xx')?.length ?? 0;
    result.crossTenantLeaks += problems.get('leak')?.length ?? 0;
    result.crashes = world.processes.crashed.length + (apiAlive ? 0 : 1);
    for (const crashed of world.processes.crashed)
      result.failures.push(`${crashed.name} crashed: ${crashed.tail(5)}`);
    for (const [kind, list] of problems) {
      result.failures.push(
        `${kind} (${list.length}): ${list.slice(0, MAX_RECORDED).join(' || ')}${list.length > MAX_RECORDED ? ' || ...' : ''}`,
      );
    }
    const statuses = [...world.http.statuses.entries()]
      .sort(([a], [b]) => a - b)
      .map(([status, count]) => `${count} x ${status}`);
    result.notes.push(
      `${result.requests} requests (${payloadRuns} deterministic payload submissions, ${generated} generated with fast-check seed ${seed}, ${rawRequests} raw): ${statuses.join(', ')}` +
        (world.http.networkErrors.length
          ? `; ${world.http.networkErrors.length} got no answer (${[...new Set(world.http.networkErrors.map((error) => error.message.slice(0, 60)))].slice(0, 3).join(' | ')})`
          : ''),
    );
    result.notes.push(
      `${world.sink.messages.length} mails checked: headers clean and bodies escaped; hostile markup shown escaped in ${escapedPayloads} of them`,
    );
  } finally {
    await world.close();
    result.durationMs = Date.now() - startedAt;
  }
  return result;
}

/** Raw HTTP/1.1 requests; each returns the request text for the attacker's token. */
const RAW_REQUESTS: ((token: string) => string)[] = [
  (token) =>
    `POST /api/tasks HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"task":`,
  (token) =>
    `POST /api/tasks HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/json\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`,
  (token) =>
    `POST /api/tasks HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nbroken\r\n0\r\n\r\n`,
  (token) =>
    `GET /api/tasks HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nX-Bad: a\u0000b\r\n\r\n`,
  (token) =>
    `GET /api/tasks?${'a=1&'.repeat(20_000)} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\n\r\n`,
  (token) =>
    `GET /api/tasks HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nX-Long: ${'h'.repeat(20_000)}\r\n\r\n`,
  () => `GARBAGE / HTTP/1.1\r\nHost: x\r\n\r\n`,
  () => `GET /${'%'.repeat(3)} HTTP/1.1\r\nHost: x\r\n\r\n`,
  (token) =>
    `POST /api/tasks HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}POST /api/tasks HTTP/1.1\r\nHost: x\r\n\r\n`,
];

/** Sends one raw request and returns the status of the first response, or null when none came. */
async function sendRaw(port: string, request: string): Promise<number | null> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port: Number(port) });
    let data = '';
    const done = () => {
      socket.destroy();
      const match = /^HTTP\/1\.[01] (\d{3})/.exec(data);
      resolve(match ? Number(match[1]) : null);
    };
    socket.setTimeout(5_000, done);
    socket.on('data', (chunk) => {
      data += chunk.toString('latin1');
      if (/\r\n\r\n/.test(data)) void sleep(50).then(done);
    });
    socket.on('error', done);
    socket.on('close', done);
    socket.write(request, 'latin1');
  });
}
