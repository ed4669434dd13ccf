import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDevInbox, type DevInbox } from './dev-inbox';
import { automaticMailHeaders } from './mail-parts';
import { createSmtpTransport } from './smtp-transport';
import { findCatalogEntry, TEMPLATE_NAMES } from './template-catalog';
import { TemplateRenderer } from './template-renderer';
import type { Transport } from './transport';

/**
 * Every template's mail, as it reaches a server, scored by SpamAssassin's content rules
 * (`spamassassin -L -t`: local tests only, no network). Debian's package; CI installs it.
 */
const FROM = 'Acme via Herald <no-reply@herald.test>';
const FORBIDDEN_RULES = ['HTML_FONT_LOW_CONTRAST', 'MPART_ALT_DIFF', 'HTML_TITLE_SUBJ_DIFF'];
const MAX_SCORE = 0.5;

const hasSpamAssassin = spawnSync('spamassassin', ['--version'], { encoding: 'utf8' }).status === 0;

/** The score and the rules that fired, from the report `-t` appends to the mail. */
function score(raw: string): { score: number; rules: string[] } {
  const run = spawnSync('spamassassin', ['-L', '-t'], { input: raw, encoding: 'utf8', timeout: 60_000 });
  if (run.status !== 0) throw new Error(`spamassassin exited ${run.status}: ${run.stderr}`);
  const status = /^X-Spam-Status: \w+, score=(-?[\d.]+)[^\n]*(?:\n[ \t].*)*/m.exec(run.stdout);
  if (!status) throw new Error('spamassassin printed no X-Spam-Status header');
  const tests = /tests=([\s\S]*?)(?:autolearn|version)=/.exec(status[0])?.[1] ?? '';
  return {
    score: Number(status[1]),
    rules: tests
      .split(/[,\s]+/)
      .map((rule) => rule.trim())
      .filter(Boolean),
  };
}

let inbox: DevInbox;
let transport: Transport;
const renderer = new TemplateRenderer({ compiledDir: null });

beforeAll(async () => {
  if (!hasSpamAssassin) return;
  [inbox] = await Promise.all([startDevInbox(), renderer.compileAll()]);
  transport = createSmtpTransport({
    host: '127.0.0.1',
    port: inbox.smtpPort,
    secure: false,
    requireTLS: false,
    user: undefined,
    password: undefined,
    from: FROM,
    poolSize: 1,
  });
});

afterAll(async () => {
  await transport?.close();
  await inbox?.close();
});

describe.skipIf(!hasSpamAssassin)('SpamAssassin content score of each template', () => {
  // A light brand colour too: the label on its button must not trip the contrast rules.
  const brandings = [{ organizationName: 'Acme' }, { organizationName: 'Acme', brandColor: '#FFE066' }];
  for (const name of TEMPLATE_NAMES) {
    for (const branding of brandings) {
      it(`${name} (${branding.brandColor ?? 'default colour'}) scores <= ${MAX_SCORE} with no contrast, part or title rule`, async () => {
        const unsubscribeUrl = 'https://api.herald.test/unsubscribe/sample-token';
        const mail = renderer.render(name, findCatalogEntry(name)!.sample, { branding, unsubscribeUrl });
        inbox.clear();
        await transport.send({
          from: FROM,
          to: { address: 'ada@acme.test', name: 'Ada Lovelace' },
          subject: mail.subject,
          html: mail.html,
          text: mail.text,
          headers: automaticMailHeaders({
            unsubscribeUrl,
            organization: { id: 'org-1', name: 'Acme' },
            from: FROM,
          }),
        });
        const [arrived] = await inbox.waitForMessages(1);
        const result = score(arrived!.raw);
        expect(result.rules.filter((rule) => FORBIDDEN_RULES.includes(rule))).toEqual([]);
        expect(result.score, `rules: ${result.rules.join(', ')}`).toBeLessThanOrEqual(MAX_SCORE);
      }, 60_000);
    }
  }
});

it.runIf(!hasSpamAssassin)(
  'SpamAssassin scoring is skipped: `spamassassin` is not installed (apt-get install spamassassin)',
  () => {},
);
