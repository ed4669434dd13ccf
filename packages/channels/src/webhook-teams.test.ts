import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { NotificationDelivery, TaskRun } from '@herald/db';
import { channelConfigSchemas, describeChannel } from './channel-config';
import { parseChannelRef } from './channel-ref';
import { channelRequest, ChannelSetupError } from './channel-request';
import { slackMessage } from './messages';
import { teamsMessage } from './teams-message';
import { signWebhook, webhookPayload } from './webhook-message';

const STACK = [
  'DeployError: rollout is stuck',
  '    at deploy (/srv/tasks/deploy.ts:12:11)',
  '    at run (/srv/tasks/run.ts:3:5)',
].join('\n');
const run = {
  id: 'run-1',
  organizationId: 'org-1',
  task: 'deploy.service',
  title: 'Deploy billing',
  status: 'failed',
  attempts: 1,
  scheduleName: null,
  createdAt: new Date('2026-01-01T10:00:00Z'),
  finishedAt: new Date('2026-01-01T10:01:00Z'),
  result: null,
  error: { name: 'DeployError', message: 'rollout is stuck', stack: STACK },
} as unknown as TaskRun;
const delivery = (phase: string) =>
  ({ id: 'delivery-1', phase, subject: '', context: null }) as unknown as NotificationDelivery;
const ctx = (phase = 'failed') => ({ delivery: delivery(phase), run, frontendUrl: 'https://app.test' });

describe('signWebhook', () => {
  it('is the HMAC-SHA256 of "<t>.<body>" in hex, with its unix timestamp', () => {
    const header = signWebhook('secret', '{"a":1}', new Date(1_700_000_000_000));
    const expected = createHmac('sha256', 'secret').update('1700000000.{"a":1}').digest('hex');
    expect(header).toBe(`t=1700000000,v1=${expected}`);
  });
});

describe('webhookPayload and its request', () => {
  it('carries the run, the phase and the error with its first stack lines, signed over the exact body', () => {
    const config = { webhookUrl: 'https://hooks.example.com/in', secret: 'a-secret-of-16-chars' };
    const request = channelRequest('webhook', config, ctx());
    expect(JSON.parse(request.body)).toEqual(webhookPayload(ctx()));
    expect(JSON.parse(request.body)).toMatchObject({
      type: 'run.failed',
      deliveryId: 'delivery-1',
      organizationId: 'org-1',
      subject: 'Deploy billing failed',
      run: { id: 'run-1', title: 'Deploy billing', status: 'failed', url: 'https://app.test/runs/run-1' },
      error: {
        name: 'DeployError',
        message: 'rollout is stuck',
        stack: ['at deploy (/srv/tasks/deploy.ts:12:11)', 'at run (/srv/tasks/run.ts:3:5)'],
      },
    });
    const [, t, v1] = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(request.headers['herald-signature']!)!;
    expect(createHmac('sha256', config.secret).update(`${t}.${request.body}`).digest('hex')).toBe(v1);
    expect(request.headers['herald-delivery']).toBe('delivery-1');
  });

  it('refuses a stored webhook without its secret, naming what is missing', () => {
    expect(() => channelRequest('webhook', { webhookUrl: 'https://x.test' }, ctx())).toThrow(
      ChannelSetupError,
    );
  });
});

describe('teamsMessage', () => {
  it('is one Adaptive Card 1.4 with the title, facts, the error and a button to the run', () => {
    const message = teamsMessage(ctx());
    expect(message).toMatchObject({
      type: 'message',
      attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive' }],
    });
    const card = message.attachments[0]!.content;
    expect(card).toMatchObject({ type: 'AdaptiveCard', version: '1.4' });
    expect(card.body[0]).toMatchObject({ type: 'TextBlock', text: '❌ Deploy billing failed' });
    expect(JSON.stringify(card.body)).toContain('at deploy (/srv/tasks/deploy.ts:12:11)');
    expect(card.actions).toEqual([
      { type: 'Action.OpenUrl', title: 'View run', url: 'https://app.test/runs/run-1' },
    ]);
  });
});

describe('stack lines in Slack', () => {
  it('shows the first stack lines for a failure, and none for another phase', () => {
    expect(JSON.stringify(slackMessage(ctx('failed')).blocks)).toContain(
      'at deploy (/srv/tasks/deploy.ts:12:11)',
    );
    expect(JSON.stringify(slackMessage(ctx('timed_out')).blocks)).not.toContain('at deploy');
  });
});

describe('named channels', () => {
  it('reads "kind:name", "kind" being the default', () => {
    expect(parseChannelRef('slack')).toEqual({ kind: 'slack', name: '' });
    expect(parseChannelRef('webhook:ops')).toEqual({ kind: 'webhook', name: 'ops' });
  });

  it('describes Teams and webhook channels by host only, never their secrets', () => {
    const secret = 'whsec_do-not-show-this';
    const shown = JSON.stringify([
      describeChannel('webhook', { webhookUrl: 'https://hooks.example.com/T0KEN?x=1', secret }, 'ops'),
      describeChannel('teams', { webhookUrl: 'https://prod.logic.azure.com/workflows/abc?sig=S1G' }),
    ]);
    expect(shown).toContain('hooks.example.com');
    expect(shown).toContain('"name":"ops"');
    for (const hidden of ['whsec_', 'T0KEN', 'S1G']) expect(shown).not.toContain(hidden);
    expect(() =>
      channelConfigSchemas.webhook.parse({ webhookUrl: 'https://x.test', secret: 'short' }),
    ).toThrow(/at least 16/);
  });
});
