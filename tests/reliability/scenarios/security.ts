import { createHash, randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { createApiToken, createUser, revokeApiToken } from '@herald/db';
import { createUnsubscribeToken } from '@herald/email';
import { auditRuns, waitUntilSettled, type AcceptedRun } from '../support/audit';
import { addAudit, emptyResult, type ScenarioResult } from '../support/result';
import { World, type Tenant } from '../support/world';

/** What the security checks share: one world, two API replicas (one with the dashboard) and a worker, all logging at debug. */
export interface SecurityContext {
  world: World;
  api: string;
  replica: string;
  adminToken: string;
  databasePassword: string;
  alice: Tenant;
  /** Alice's colleague: same organization, another user. */
  bob: Tenant;
  victor: Tenant;
  /** Every API token made for the review: none may appear in a log or in the database in plain text. */
  tokens: string[];
  /** Runs submitted during the review, audited at the end. */
  accepted: AcceptedRun[];
  notes: string[];
}

function check(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(message);
}

async function call(
  ctx: SecurityContext,
  method: string,
  path: string,
  options: { token?: string | null; body?: unknown; headers?: Record<string, string>; base?: string } = {},
) {
  const response = await ctx.world.http.call(options.base ?? ctx.api, method, path, {
    token: options.token,
    body: options.body,
    headers: options.headers,
  });
  check(response, `${method} ${path} got no answer`);
  return response;
}

async function colleague(
  ctx: Pick<SecurityContext, 'world' | 'tokens'>,
  of: Tenant,
  name: string,
): Promise<Tenant> {
  const email = `${name.toLowerCase()}-${randomBytes(3).toString('hex')}@${of.email.split('@')[1]}`;
  const user = await createUser(ctx.world.db, { organizationId: of.organizationId, email, name });
  const { token } = await createApiToken(ctx.world.db, { userId: user.id, name });
  ctx.tokens.push(token);
  return { ...of, userId: user.id, email, token, userName: name };
}

async function newToken(ctx: SecurityContext, tenant: Tenant, name: string) {
  const created = await createApiToken(ctx.world.db, { userId: tenant.userId, name });
  ctx.tokens.push(created.token);
  return created;
}

/** The mail that arrived for `address` with `subject` in its subject, waiting up to 30 s. */
async function mailFor(ctx: SecurityContext, address: string, count = 1) {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const found = ctx.world.sink.messages.filter((mail) => mail.to.includes(address));
    if (found.length >= count) return found;
    check(Date.now() < deadline, `${count} mail(s) to ${address} did not arrive`);
    await sleep(100);
  }
}

export async function startSecurityContext(): Promise<SecurityContext> {
  const databasePassword = `db-pw-${randomBytes(8).toString('hex')}`;
  const world = await World.create({
    // PostgreSQL here trusts local connections, so any password works; it is in the URL to be looked for in the logs.
    databaseUrlForHerald: (url) => {
      const withPassword = new URL(url);
      withPassword.password = databasePassword;
      return withPassword.toString();
    },
    env: { LOG_LEVEL: 'debug', TEST_EMAIL_RATE_LIMIT: '3', NOTIFICATION_RETRY_BASE_MS: '500' },
  });
  const adminToken = `admin-${randomBytes(16).toString('hex')}`;
  const ctx: SecurityContext = {
    world,
    api: '',
    replica: '',
    adminToken,
    databasePassword,
    alice: await world.createTenant('Alice'),
    bob: undefined as unknown as Tenant,
    victor: await world.createTenant('Victor'),
    tokens: [],
    accepted: [],
    notes: [],
  };
  ctx.tokens.push(ctx.alice.token, ctx.victor.token);
  ctx.bob = await colleague(ctx, ctx.alice, 'Bob');
  try {
    // A second replica without ADMIN_TOKEN: the dashboard must not exist there.
    const [api, replica] = await Promise.all([
      world.startApi('api', { ADMIN_TOKEN: adminToken }),
      world.startApi('api-replica'),
      world.startWorker('worker'),
    ]);
    ctx.api = api.url;
    ctx.replica = replica.url;
  } catch (error) {
    await world.close();
    throw error;
  }
  return ctx;
}

export interface SecurityCheck {
  name: string;
  run(ctx: SecurityContext): Promise<void>;
}

export const SECURITY_CHECKS: SecurityCheck[] = [
  {
    name: 'API tokens are stored hashed, and looked up by their hash',
    async run(ctx) {
      const { rows } = await ctx.world.db.pool.query<{ tokenHash: string; prefix: string }>(
        `SELECT "tokenHash", prefix FROM "ApiToken" WHERE "userId" = $1`,
        [ctx.alice.userId],
      );
      check(rows.length === 1, `expected one token row for alice, found ${rows.length}`);
      check(
        rows[0]!.tokenHash === createHash('sha256').update(ctx.alice.token).digest('hex'),
        'the stored hash is not the sha-256 of the token',
      );
      check(
        ctx.alice.token.startsWith(rows[0]!.prefix) && rows[0]!.prefix.length < 16,
        `the stored prefix is too long: ${rows[0]!.prefix.length}`,
      );
      const tables = await ctx.world.db.pool.query<{ name: string }>(
        `SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'`,
      );
      for (const { name } of tables.rows) {
        const dump = (
          await ctx.world.db.pool.query<{ row: string }>(`SELECT t::text AS row FROM "${name}" t`)
        ).rows
          .map((row) => row.row)
          .join('\n');
        for (const token of ctx.tokens)
          check(!dump.includes(token), `table ${name} holds an API token in plain text`);
      }
      check(
        (await call(ctx, 'GET', '/api/tasks', { token: ctx.alice.token })).status === 200,
        'the valid token was refused',
      );
      // Someone who read the table has hashes: a hash is not a token.
      check(
        (await call(ctx, 'GET', '/api/tasks', { token: rows[0]!.tokenHash })).status === 401,
        'the stored hash works as a token',
      );
      const nearMiss = `${ctx.alice.token.slice(0, -1)}${ctx.alice.token.endsWith('A') ? 'B' : 'A'}`;
      check(
        (await call(ctx, 'GET', '/api/tasks', { token: nearMiss })).status === 401,
        'a token differing in its last character was accepted',
      );
      check(
        (
          await call(ctx, 'GET', '/api/tasks', {
            headers: { authorization: `Bearer ${ctx.alice.token} ${ctx.alice.token}` },
          })
        ).status === 401,
        'a token with trailing text was accepted',
      );
      check(
        (
          await call(ctx, 'GET', '/api/tasks', {
            headers: { authorization: `Bearer ${ctx.alice.token.toUpperCase()}` },
          })
        ).status === 401,
        'the token was matched without case',
      );
    },
  },
  {
    name: 'tokens whose expiresAt has passed are refused',
    async run(ctx) {
      const expired = await newToken(ctx, ctx.alice, 'expired');
      await ctx.world.db.prisma.apiToken.update({
        where: { id: expired.id },
        data: { expiresAt: new Date(Date.now() - 1_000) },
      });
      const refused = await call(ctx, 'GET', '/api/tasks', { token: expired.token });
      check(refused.status === 401, `an expired token answered ${refused.status}`);
      const later = await newToken(ctx, ctx.alice, 'expires later');
      await ctx.world.db.prisma.apiToken.update({
        where: { id: later.id },
        data: { expiresAt: new Date(Date.now() + 3_600_000) },
      });
      check(
        (await call(ctx, 'GET', '/api/tasks', { token: later.token })).status === 200,
        'a token expiring in an hour was refused',
      );
      // A token in the API's cache expires on time too.
      const expiresAt = new Date(Date.now() + 4_000);
      const soon = await newToken(ctx, ctx.alice, 'expires soon');
      await ctx.world.db.prisma.apiToken.update({ where: { id: soon.id }, data: { expiresAt } });
      check(
        (await call(ctx, 'GET', '/api/tasks', { token: soon.token })).status === 200,
        'a token expiring in 4 s was refused',
      );
      await sleep(Math.max(0, expiresAt.getTime() - Date.now() + 300));
      const after = await call(ctx, 'GET', '/api/tasks', { token: soon.token });
      check(after.status === 401, `a cached token answered ${after.status} after its expiry`);
    },
  },
  {
    name: 'revoked tokens are refused',
    async run(ctx) {
      const unused = await newToken(ctx, ctx.alice, 'revoked unused');
      await revokeApiToken(ctx.world.db, unused.id);
      check(
        (await call(ctx, 'GET', '/api/tasks', { token: unused.token })).status === 401,
        'a revoked token was accepted',
      );
      const used = await newToken(ctx, ctx.alice, 'revoked in use');
      check(
        (await call(ctx, 'GET', '/api/tasks', { token: used.token })).status === 200,
        'a fresh token was refused',
      );
      const revokedAt = Date.now();
      await revokeApiToken(ctx.world.db, used.id);
      let status = 200;
      while (Date.now() - revokedAt < 15_000) {
        status = (await call(ctx, 'GET', '/api/tasks', { token: used.token })).status;
        if (status === 401) break;
        await sleep(250);
      }
      check(status === 401, 'a revoked token was still accepted 15 s after its revocation');
      ctx.notes.push(
        `a token in use is refused ${Math.round((Date.now() - revokedAt) / 100) / 10} s after revocation (the API caches a token for up to 5 s, per replica); an unused one at once`,
      );
    },
  },
  {
    name: 'unsubscribe links are HMAC-signed and scoped to their user and organization',
    async run(ctx) {
      const sent = await call(ctx, 'POST', '/api/tasks/email-notification-test', {
        token: ctx.alice.token,
        body: {},
      });
      check(sent.status === 202, `the test e-mail answered ${sent.status}`);
      ctx.accepted.push({ id: sent.json.id as string, tenant: ctx.alice });
      const [mail] = await mailFor(ctx, ctx.alice.email);
      const link = /<https:\/\/api\.herald\.test(\/unsubscribe\/([^>]+))>/.exec(
        mail!.headers['list-unsubscribe'] ?? '',
      );
      check(link, `no List-Unsubscribe link in ${mail!.headers['list-unsubscribe']}`);
      const token = decodeURIComponent(link[2]!);
      const [payload, signature] = token.split('.');
      check(payload && signature, 'the unsubscribe token is not payload.signature');
      check(/^[A-Za-z0-9_-]{43}$/.test(signature), 'the signature is not a 256-bit MAC');
      const encode = (scope: { u: string; o: string }) =>
        Buffer.from(JSON.stringify(scope)).toString('base64url');
      const forgeries: [string, string][] = [
        [
          "alice's signature on bob's name",
          `${encode({ u: ctx.bob.userId, o: ctx.bob.organizationId })}.${signature}`,
        ],
        [
          "alice's signature on another organization's user",
          `${encode({ u: ctx.victor.userId, o: ctx.victor.organizationId })}.${signature}`,
        ],
        [
          'bob signed with another secret',
          createUnsubscribeToken(
            { userId: ctx.bob.userId, organizationId: ctx.bob.organizationId },
            randomBytes(24).toString('hex'),
          ),
        ],
        [
          'alice signed with the right secret but for another organization',
          createUnsubscribeToken(
            { userId: ctx.alice.userId, organizationId: ctx.victor.organizationId },
            ctx.world.secret,
          ),
        ],
        ['a truncated signature', token.slice(0, -2)],
        ['no signature', payload],
      ];
      for (const [label, forged] of forgeries) {
        const response = await call(ctx, 'POST', `/unsubscribe/${encodeURIComponent(forged)}`, {
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: 'List-Unsubscribe=One-Click',
        });
        check(response.status === 404, `${label}: answered ${response.status}`);
      }
      const page = await call(ctx, 'GET', link[1]!);
      check(
        page.status === 200 && page.body.includes('<form method="post">'),
        'GET on the link does not show the confirmation page',
      );
      const enabled = async (tenant: Tenant) =>
        (await call(ctx, 'GET', '/api/me/notification-preferences', { token: tenant.token })).json?.email
          ?.enabled as boolean;
      check((await enabled(ctx.alice)) === true, 'GET on the link (or a forgery) unsubscribed alice');
      const oneClick = await call(ctx, 'POST', link[1]!, {
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'List-Unsubscribe=One-Click',
      });
      check(oneClick.status === 200, `the one-click POST answered ${oneClick.status}`);
      check((await enabled(ctx.alice)) === false, 'the one-click POST did not unsubscribe alice');
      check((await enabled(ctx.bob)) === true, "alice's link unsubscribed bob");
      check((await enabled(ctx.victor)) === true, "alice's link unsubscribed a user of another organization");
      await call(ctx, 'PUT', '/api/me/notification-preferences', {
        token: ctx.alice.token,
        body: { email: { enabled: true } },
      });
    },
  },
  {
    name: 'the test-email endpoint is rate-limited per user, across API replicas',
    async run(ctx) {
      const carol = await ctx.world.createTenant('Carol');
      const dave = await colleague(ctx, carol, 'Dave');
      ctx.tokens.push(carol.token);
      const burst = await Promise.all(
        Array.from({ length: 10 }, (_, index) =>
          call(ctx, 'POST', '/api/tasks/email-notification-test', {
            token: carol.token,
            body: { message: `burst ${index}` },
            base: index % 2 ? ctx.replica : ctx.api,
          }),
        ),
      );
      const accepted = burst.filter((response) => response.status === 202);
      const limited = burst.filter((response) => response.status === 429);
      check(
        accepted.length === 3 && limited.length === 7,
        `10 requests on two replicas with a limit of 3: ${accepted.length} accepted, ${limited.length} limited`,
      );
      check(
        limited.every(
          (response) =>
            Number(response.headers.get('retry-after')) > 0 && response.json?.error?.code === 'rate_limited',
        ),
        '429 without Retry-After or error code',
      );
      for (const response of accepted) ctx.accepted.push({ id: response.json.id as string, tenant: carol });
      const other = await call(ctx, 'POST', '/api/tasks/email-notification-test', {
        token: dave.token,
        body: {},
      });
      check(other.status === 202, `another user of the organization was limited too (${other.status})`);
      ctx.accepted.push({ id: other.json.id as string, tenant: dave });
      await mailFor(ctx, carol.email, 3);
    },
  },
  {
    name: 'Bull Board (/admin/queues) needs the admin token, and exists only with ADMIN_TOKEN',
    async run(ctx) {
      const basic = (password: string) => `Basic ${Buffer.from(`admin:${password}`).toString('base64')}`;
      const refusedWith: [string, Record<string, string>][] = [
        ['no credentials', {}],
        ['a wrong bearer token', { authorization: `Bearer ${ctx.adminToken.slice(0, -1)}x` }],
        ['a wrong password', { authorization: basic('wrong-password-of-some-length') }],
        ["a tenant's API token", { authorization: `Bearer ${ctx.alice.token}` }],
        [
          'the admin token as the user name',
          { authorization: `Basic ${Buffer.from(`${ctx.adminToken}:`).toString('base64')}` },
        ],
        ['a prefix of the admin token', { authorization: `Bearer ${ctx.adminToken.slice(0, 16)}` }],
      ];
      for (const path of [
        '/admin/queues',
        '/admin/queues/',
        '/admin/queues/api/queues',
        '/admin/queues/api/queues?activeQueue=tasks',
        '/ADMIN/QUEUES/api/queues',
        '/admin//queues/api/queues',
        '/admin/queues/%2e%2e/queues/api/queues',
      ]) {
        for (const [label, headers] of refusedWith) {
          const response = await call(ctx, 'GET', path, { headers });
          check(
            response.status === 401 || response.status === 404,
            `${path} with ${label}: ${response.status}`,
          );
          check(!/"jobs"|"counts"/.test(response.body), `${path} with ${label} returned queue data`);
        }
      }
      check(
        (
          await call(ctx, 'GET', '/admin/queues/api/queues', {
            headers: { authorization: `Bearer ${ctx.adminToken}` },
          })
        ).status === 200,
        'the admin token was refused',
      );
      check(
        (await call(ctx, 'GET', '/admin/queues/', { headers: { authorization: basic(ctx.adminToken) } }))
          .status === 200,
        'HTTP Basic with the admin token was refused',
      );
      const absent = await call(ctx, 'GET', '/admin/queues/api/queues', {
        headers: { authorization: `Bearer ${ctx.adminToken}` },
        base: ctx.replica,
      });
      check(absent.status === 404, `without ADMIN_TOKEN the dashboard answered ${absent.status}`);
    },
  },
  {
    name: 'secrets never reach the logs (API and worker at LOG_LEVEL=debug)',
    async run(ctx) {
      // A full flow with the error paths logged too: a refused token, a delivery retried after a 451.
      ctx.world.sink.refuse('tempfail');
      const report = await call(ctx, 'POST', '/api/tasks', {
        token: ctx.alice.token,
        body: { task: 'reports.build', input: { report_name: 'secret check', stepMs: 1 } },
      });
      const chord = await call(ctx, 'POST', '/api/flows', {
        token: ctx.victor.token,
        base: ctx.replica,
        body: {
          tasks: [
            { task: 'tests.execute', input: { testId: 'a' } },
            { task: 'tests.execute', input: { testId: 'b', outcome: 'fail' } },
          ],
          callback: { task: 'tests.collect_results', input: { test_set_name: 'secrets' } },
        },
      });
      check(
        report.status === 202 && chord.status === 202,
        `submissions answered ${report.status} and ${chord.status}`,
      );
      ctx.accepted.push(
        { id: report.json.id as string, tenant: ctx.alice },
        { id: chord.json.id as string, tenant: ctx.victor },
      );
      for (const child of chord.json.children as string[])
        ctx.accepted.push({ id: child, tenant: ctx.victor });
      await call(ctx, 'GET', '/api/tasks', { token: `${ctx.alice.token}x` });
      await call(ctx, 'GET', '/admin/queues/api/queues', {
        headers: { authorization: `Bearer ${ctx.adminToken}x` },
      });
      const retried = Date.now() + 30_000;
      while (!ctx.world.processes.output().includes('e-mail delivery will be retried')) {
        check(Date.now() < retried, 'no delivery was retried: the error path was not exercised');
        await sleep(100);
      }
      ctx.world.sink.refuse(null);
      const settled = await waitUntilSettled(ctx.world.db, ctx.accepted, ctx.world.sink, 60_000);
      check(settled, 'the runs of the review did not all end and mail');

      const { smtpUser, smtpPassword, secret } = ctx.world;
      const secrets: [string, string][] = [
        ['SMTP password', smtpPassword],
        ['SMTP AUTH PLAIN', Buffer.from(`\0${smtpUser}\0${smtpPassword}`).toString('base64')],
        ['SMTP AUTH LOGIN', Buffer.from(smtpPassword).toString('base64')],
        ['HERALD_SECRET', secret],
        ['ADMIN_TOKEN', ctx.adminToken],
        ['database password', ctx.databasePassword],
        ...ctx.tokens.map((token, index): [string, string] => [`API token #${index + 1}`, token]),
      ];
      const output = ctx.world.processes.output();
      const lines = output.split('\n').length;
      for (const process of ctx.world.processes.all)
        check(process.lines.length > 0, `${process.name} wrote nothing to judge`);
      const hits = secrets.filter(([, value]) => output.includes(value));
      check(hits.length === 0, `found in the logs: ${hits.map(([label]) => label).join(', ')}`);
      const unsubscribeTokens = ctx.world.sink.messages
        .map((mail) => /\/unsubscribe\/([^>]+)>/.exec(mail.headers['list-unsubscribe'] ?? '')?.[1])
        .filter(Boolean) as string[];
      const loggedUnsubscribe = unsubscribeTokens.filter(
        (token) => output.includes(token) || output.includes(decodeURIComponent(token)),
      ).length;
      ctx.notes.push(
        `${lines} log lines from ${ctx.world.processes.all.length} processes searched for ${secrets.length} secrets (SMTP password and its AUTH encodings, HERALD_SECRET, ADMIN_TOKEN, database password, ${ctx.tokens.length} API tokens): 0 found` +
          `; unsubscribe links in the logs: ${loggedUnsubscribe} of ${unsubscribeTokens.length}`,
      );
    },
  },
  {
    name: 'a configuration error names the variable, never the secret in it',
    async run(ctx) {
      const secret = `leak-${randomBytes(4).toString('hex')}`;
      const cases: [string, Record<string, string>][] = [
        ['HERALD_SECRET too short', { HERALD_SECRET: secret }],
        ['ADMIN_TOKEN too short', { ADMIN_TOKEN: secret }],
        [
          'DATABASE_URL with a typo in the scheme',
          { DATABASE_URL: `postgress://herald:${secret}@127.0.0.1:5432/herald` },
        ],
        ['REDIS_URL with a typo in the scheme', { REDIS_URL: `redis//:${secret}@127.0.0.1:6379` }],
      ];
      const started = cases.map(([label, env]) => {
        const misconfigured = ctx.world.processes.start(
          `misconfigured (${label})`,
          'worker',
          ctx.world.env(env),
        );
        // It is meant to stop by itself: that is not a crash.
        misconfigured.isStopRequested = true;
        return misconfigured;
      });
      for (const [index, [label, env]] of cases.entries()) {
        const misconfigured = started[index]!;
        const exit = await misconfigured.waitForExit(60_000);
        check(exit && exit.code !== 0, `${label}: the worker did not refuse to start`);
        const output = misconfigured.output();
        check(
          output.includes(Object.keys(env)[0]!),
          `${label}: the message does not name ${Object.keys(env)[0]}: ${output.slice(0, 200)}`,
        );
        check(!output.includes(secret), `${label}: the message prints the secret: ${output.slice(0, 200)}`);
      }
    },
  },
];

/** The security review as one scenario, for the full run's table. */
export async function runSecurityReview(): Promise<ScenarioResult> {
  const result = emptyResult('security review');
  const startedAt = Date.now();
  const ctx = await startSecurityContext();
  try {
    for (const item of SECURITY_CHECKS) {
      try {
        await item.run(ctx);
        result.notes.push(`pass: ${item.name}`);
      } catch (error) {
        result.failures.push(`${item.name}: ${(error as Error).message}`);
      }
    }
    result.notes.push(...ctx.notes);
    await finishSecurityReview(ctx, result);
  } finally {
    await ctx.world.close();
    result.durationMs = Date.now() - startedAt;
  }
  return result;
}

/** Folds the review's runs, answers and processes into a result (the vitest file checks the same). */
export async function finishSecurityReview(ctx: SecurityContext, result: ScenarioResult): Promise<void> {
  await waitUntilSettled(ctx.world.db, ctx.accepted, ctx.world.sink, 60_000);
  addAudit(result, await auditRuns(ctx.world.db, ctx.accepted, ctx.world.sink.messages));
  result.http5xx = ctx.world.http.serverErrors.length;
  for (const error of ctx.world.http.serverErrors.slice(0, 5))
    result.failures.push(`${error.method} ${error.path} answered ${error.status}`);
  result.crashes = ctx.world.processes.crashed.length;
  for (const crashed of ctx.world.processes.crashed)
    result.failures.push(`${crashed.name} crashed: ${crashed.tail(5)}`);
  result.requests = ctx.world.http.requests;
}
