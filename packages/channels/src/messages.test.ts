import { describe, expect, it } from 'vitest';
import type { NotificationDelivery, TaskRun } from '@herald/db';
import { describeChannel, channelConfigSchemas } from './channel-config';
import { pagerDutyEvent, slackMessage } from './messages';

const run = {
  id: 'run-1',
  organizationId: 'org-1',
  task: 'monitoring.check',
  scheduleName: 'nightly',
  result: { target: '<db>' },
  error: { message: 'db & cache <down>' },
} as unknown as TaskRun;
const delivery = (phase: string, context: unknown = null) =>
  ({ phase, subject: 'Check {{target}}: {{status}}', context }) as unknown as NotificationDelivery;

describe('slackMessage', () => {
  it('fills the subject, escapes Slack markup and links the run', () => {
    const message = slackMessage({ delivery: delivery('failed'), run, frontendUrl: 'https://app.test/' });
    expect(message.text).toBe('❌ Check &lt;db&gt;: failed');
    const blocks = JSON.stringify(message.blocks);
    expect(blocks).toContain('db &amp; cache &lt;down&gt;');
    expect(blocks).toContain('https://app.test/runs/run-1');
  });

  it("leads with the run's title and status when the rule has no subject of its own", () => {
    const untitled = { ...delivery('failed'), subject: '' };
    expect(slackMessage({ delivery: untitled, run, frontendUrl: 'x' }).text).toBe(
      '❌ monitoring.check failed',
    );
    const titled = { ...run, title: 'Check <db>' } as TaskRun;
    expect(slackMessage({ delivery: untitled, run: titled, frontendUrl: 'x' }).text).toBe(
      '❌ Check &lt;db&gt; failed',
    );
  });
});

describe('pagerDutyEvent', () => {
  const config = { routingKey: 'routing-key-123' };
  it('triggers on a failure and resolves on a recovery, one dedup key per schedule', () => {
    const trigger = pagerDutyEvent(
      { delivery: delivery('failed'), run, frontendUrl: 'https://app.test' },
      config,
    );
    expect(trigger.url).toBe('https://events.pagerduty.com/v2/enqueue');
    expect(trigger.event).toMatchObject({
      event_action: 'trigger',
      dedup_key: 'herald:org-1:nightly',
      payload: { severity: 'error' },
    });
    const resolve = pagerDutyEvent(
      { delivery: delivery('succeeded', { alert_key: 'nightly' }), run, frontendUrl: 'x' },
      config,
    );
    expect(resolve.event).toEqual({
      routing_key: 'routing-key-123',
      event_action: 'resolve',
      dedup_key: 'herald:org-1:nightly',
    });
  });
});

describe('channel config', () => {
  it('validates secrets and describes a channel without them', () => {
    expect(() => channelConfigSchemas.slack.parse({ webhookUrl: 'ftp://x' })).toThrow();
    const shown = JSON.stringify(describeChannel('pagerduty', { routingKey: 'secret-routing-key-9876' }));
    expect(shown).not.toContain('secret-routing');
    expect(shown).toContain('9876');
  });
});
