import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { channelConfigSchemas } from '@herald/channels';
import { createUser, updateUserRole } from '@herald/db';
import { startStack, type Stack, type Tenant } from './support/stack';
import { ConsoleClient, signIn } from './support/console-client';

vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });

const SLACK_URL = 'https://hooks.slack.com/services/T0ACME/B0ACME/XXXXSECRETPATH';

let stack: Stack;
let acme: Tenant;
let globex: Tenant;
/** Signed in as Acme's admin, Acme's member and Globex's admin. */
let admin: ConsoleClient;
let member: ConsoleClient;
let globexAdmin: ConsoleClient;

const client = () => new ConsoleClient(stack.api.url);
const channelsOf = (organizationId: string) =>
  stack.testDb.db.prisma.notificationChannel.findMany({ where: { organizationId } });
const brandingOf = (id: string) =>
  stack.testDb.db.prisma.organization.findUniqueOrThrow({
    where: { id },
    select: { logoUrl: true, brandColor: true, footerText: true },
  });

beforeAll(async () => {
  stack = await startStack();
  acme = await stack.createTenant('Acme', 'ada@acme.test');
  globex = await stack.createTenant('Globex', 'hank@globex.test');
  await updateUserRole(stack.testDb.db, { userId: acme.userId, role: 'admin' });
  await updateUserRole(stack.testDb.db, { userId: globex.userId, role: 'admin' });
  await createUser(stack.testDb.db, { organizationId: acme.organizationId, email: 'max@acme.test' });
  admin = client();
  member = client();
  globexAdmin = client();
  await signIn(admin, stack.inbox, acme.email);
  await signIn(member, stack.inbox, 'max@acme.test');
  await signIn(globexAdmin, stack.inbox, globex.email);
});
afterAll(async () => {
  await stack?.close();
});

describe('console channels page', () => {
  it('sets a Slack channel through the form and never shows its secret path again', async () => {
    const csrf = await admin.csrf('/app/channels');
    const saved = await admin.post('/app/channels/slack', { _csrf: csrf, webhookUrl: SLACK_URL });
    expect(saved.status).toBe(200);
    const html = await saved.text();
    expect(html).toContain('Saved.');
    expect(html).toContain('hooks.slack.com');
    const page = await (await admin.get('/app/channels')).text();
    for (const shown of [html, page]) {
      expect(shown).not.toContain('XXXXSECRETPATH');
      expect(shown).not.toContain('/services/');
    }
    expect(page).toMatch(/Webhook host: hooks\.slack\.com/);
    const [row] = await channelsOf(acme.organizationId);
    expect(row).toMatchObject({ kind: 'slack', name: '', config: { webhookUrl: SLACK_URL } });
  });

  it('re-renders a refused form with a 400 naming the field, and stores nothing', async () => {
    const csrf = await admin.csrf('/app/channels');
    const bad = await admin.post('/app/channels/pagerduty', { _csrf: csrf, routingKey: 'short' });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain('routingKey: expected the integration (routing) key');
    const notUrl = await admin.post('/app/channels/slack', { _csrf: csrf, webhookUrl: 'not a url' });
    expect(notUrl.status).toBe(400);
    expect(await notUrl.text()).toContain('webhookUrl: expected an http(s) URL');
    const missing = await admin.post('/app/channels/slack', { _csrf: csrf });
    expect(missing.status).toBe(400);
    expect(await missing.text()).toContain('webhookUrl:');
    const privateUrl = await admin.post('/app/channels/slack', {
      _csrf: csrf,
      webhookUrl: 'http://169.254.169.254/latest/meta-data',
    });
    expect(privateUrl.status).toBe(400);
    expect(await privateUrl.text()).toContain('webhookUrl: the channel URL leads to a private');
    const huge = await admin.post('/app/channels/slack', {
      _csrf: csrf,
      webhookUrl: `https://hooks.slack.com/${'x'.repeat(3000)}`,
    });
    expect(huge.status).toBe(400);
    expect(await huge.text()).toContain('webhookUrl: at most 2048 characters');
    const badName = await admin.post('/app/channels/slack', {
      _csrf: csrf,
      webhookUrl: SLACK_URL,
      channelName: 'Not A Name',
    });
    expect(badName.status).toBe(400);
    expect(await badName.text()).toContain('channelName:');
    expect((await admin.post('/app/channels/fax', { _csrf: csrf })).status).toBe(404);
    expect((await channelsOf(acme.organizationId)).map((row) => row.kind)).toEqual(['slack']);
  });

  it('sets PagerDuty with its optional events URL left empty, then removes it', async () => {
    const csrf = await admin.csrf('/app/channels');
    const saved = await admin.post('/app/channels/pagerduty', {
      _csrf: csrf,
      routingKey: 'R0UTINGKEY-SECRET-9876',
      eventsUrl: '',
    });
    expect(saved.status).toBe(200);
    const html = await saved.text();
    expect(html).not.toContain('R0UTINGKEY-SECRET');
    expect(html).toContain('Routing key ending: 9876');
    const removed = await admin.post('/app/channels/pagerduty/remove', { _csrf: csrf });
    expect(removed.status).toBe(200);
    expect(await removed.text()).toContain('Removed.');
    expect((await admin.post('/app/channels/pagerduty/remove', { _csrf: csrf })).status).toBe(404);
    expect((await channelsOf(acme.organizationId)).map((row) => row.kind)).toEqual(['slack']);
  });

  it('shows a webhook secret Herald generated once, never again', async () => {
    const csrf = await admin.csrf('/app/channels');
    const urlField = Object.keys(channelConfigSchemas.webhook.shape).find((field) =>
      /(^u|U)rl$/.test(field),
    )!;
    const saved = await admin.post('/app/channels/webhook', {
      _csrf: csrf,
      [urlField]: 'https://hooks.acme.test/herald',
      secret: '',
      channelName: 'ops',
    });
    expect(saved.status).toBe(200);
    const secret = /whsec_[\w-]+/.exec(await saved.text())?.[0];
    expect(secret).toBeDefined();
    const page = await (await admin.get('/app/channels')).text();
    expect(page).not.toContain('whsec_');
    expect(page).toMatch(/host: hooks\.acme\.test/i);
    const rows = await channelsOf(acme.organizationId);
    expect(rows.find((row) => row.kind === 'webhook')).toMatchObject({ name: 'ops', config: { secret } });
    expect((await admin.post('/app/channels/webhook/remove', { _csrf: csrf })).status).toBe(404); // not the default
    const removed = await admin.post('/app/channels/webhook/remove', { _csrf: csrf, channelName: 'ops' });
    expect(removed.status).toBe(200);
  });

  it('refuses a form without its CSRF token and changes nothing', async () => {
    const form = { webhookUrl: 'https://hooks.slack.com/services/T0/B0/OTHER' };
    expect((await admin.post('/app/channels/slack', form)).status).toBe(403);
    expect((await admin.post('/app/channels/slack', { ...form, _csrf: 'forged' })).status).toBe(403);
    expect((await admin.post('/app/channels/slack/remove', {})).status).toBe(403);
    expect((await admin.post('/app/branding', { brandColor: '#1d4ed8' })).status).toBe(403);
    const [row] = await channelsOf(acme.organizationId);
    expect(row?.config).toEqual({ webhookUrl: SLACK_URL });
    expect((await brandingOf(acme.organizationId)).brandColor).toBe('#0f766e');
  });

  it('shows a member the channels read-only and refuses their changes', async () => {
    const page = await member.get('/app/channels');
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('hooks.slack.com');
    expect(html).toContain('admins can change its channels.');
    expect(html).not.toContain('action="/app/channels/slack"');
    expect(html).not.toContain('href="/app/branding"');
    const csrf = await member.csrf('/app/channels');
    const refused = await member.post('/app/channels/slack', {
      _csrf: csrf,
      webhookUrl: 'https://hooks.slack.com/services/T0/B0/MEMBER',
    });
    expect(refused.status).toBe(403);
    expect(await refused.text()).toContain('Admins only');
    expect((await member.post('/app/channels/slack/remove', { _csrf: csrf })).status).toBe(403);
    const [row] = await channelsOf(acme.organizationId);
    expect(row?.config).toEqual({ webhookUrl: SLACK_URL });
  });

  it("never shows another organization's channels, nor lets it remove them", async () => {
    const page = await (await globexAdmin.get('/app/channels')).text();
    expect(page).not.toContain('hooks.slack.com');
    expect(page).toContain('Not set up.');
    const csrf = await globexAdmin.csrf('/app/channels');
    expect((await globexAdmin.post('/app/channels/slack/remove', { _csrf: csrf })).status).toBe(404);
    expect(await channelsOf(acme.organizationId)).toHaveLength(1);
    expect(await channelsOf(globex.organizationId)).toHaveLength(0);
  });
});

describe('console branding page', () => {
  it('is for admins: a member gets the admins-only page, and the nav has no link to it', async () => {
    expect(await (await admin.get('/app/runs')).text()).toContain('href="/app/branding"');
    const page = await member.get('/app/branding');
    expect(page.status).toBe(403);
    expect(await page.text()).toContain('admins can change its branding.');
    const csrf = await member.csrf('/app/channels');
    const post = await member.post('/app/branding', {
      _csrf: csrf,
      logoUrl: '',
      brandColor: '#000000',
      footerText: '',
    });
    expect(post.status).toBe(403);
    expect((await brandingOf(acme.organizationId)).brandColor).toBe('#0f766e');
  });

  it('refuses a colour white text does not read on, saying why', async () => {
    const csrf = await admin.csrf('/app/branding');
    const refused = await admin.post('/app/branding', {
      _csrf: csrf,
      logoUrl: '',
      brandColor: '#FFE066',
      footerText: 'Acme Ltd',
    });
    expect(refused.status).toBe(400);
    const html = await refused.text();
    expect(html).toContain('brandColor: white text on #FFE066 is 1.3:1; buttons need at least 4.5:1');
    expect(html).toContain('value="#FFE066"'); // the form comes back as typed
    expect((await brandingOf(acme.organizationId)).brandColor).toBe('#0f766e');
  });

  it('saves logo, colour and footer; refuses an http logo, a missing or oversized field', async () => {
    const csrf = await admin.csrf('/app/branding');
    const form = {
      _csrf: csrf,
      logoUrl: 'https://acme.test/logo.png',
      brandColor: '#1d4ed8',
      footerText: 'Acme Ltd, 1 Main St',
    };
    const saved = await admin.post('/app/branding', form);
    expect(saved.status).toBe(200);
    const html = await saved.text();
    expect(html).toContain('Saved.');
    expect(html).toContain('background-color: #1d4ed8');
    expect(await brandingOf(acme.organizationId)).toEqual({
      logoUrl: 'https://acme.test/logo.png',
      brandColor: '#1d4ed8',
      footerText: 'Acme Ltd, 1 Main St',
    });
    const http = await admin.post('/app/branding', { ...form, logoUrl: 'http://acme.test/logo.png' });
    expect(http.status).toBe(400);
    expect(await http.text()).toContain('logoUrl: expected an https:// URL');
    const { footerText: _left, ...noFooter } = form;
    const missing = await admin.post('/app/branding', noFooter);
    expect(missing.status).toBe(400);
    expect(await missing.text()).toContain('footerText:');
    const long = await admin.post('/app/branding', { ...form, footerText: 'x'.repeat(600) });
    expect(long.status).toBe(400);
    expect(await long.text()).toContain('footerText: at most 500 characters');
    // Empty fields go back to Herald's own branding.
    const cleared = await admin.post('/app/branding', {
      _csrf: csrf,
      logoUrl: '',
      brandColor: '',
      footerText: '',
    });
    expect(cleared.status).toBe(200);
    expect(await brandingOf(acme.organizationId)).toEqual({
      logoUrl: null,
      brandColor: null,
      footerText: null,
    });
    expect((await brandingOf(globex.organizationId)).footerText).toBe('Globex Ltd');
  });
});
