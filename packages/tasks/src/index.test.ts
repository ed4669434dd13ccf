import { describe, expect, it } from 'vitest';
import { registry } from './index';

describe('the deployment task list', () => {
  it('holds the built-in tasks and the examples, with their notifications', () => {
    expect(registry.names()).toEqual(
      expect.arrayContaining(['tests.execute', 'tests.collect_results', 'email_notification_test', 'reports.build', 'monitoring.check']),
    );
    expect(registry.get('tests.execute').notifications).toEqual([]);
    expect(registry.get('tests.collect_results').notifications[0]).toMatchObject({ template: 'test-execution-summary' });
    expect(registry.get('monitoring.check').notifications.map((rule) => rule.channel)).toEqual(['email', 'slack', 'pagerduty']);
    expect(registry.get('monitoring.check').alertPolicy).toEqual({ silentSeconds: 3_600, okSilentHours: 24 });
  });

  it('validates input with defaults', () => {
    expect(registry.parseInput('reports.build', { report_name: 'Q3' })).toEqual({ report_name: 'Q3', rows: 1_000, stepMs: 20 });
    expect(() => registry.parseInput('reports.build', {})).toThrow(/report_name/);
  });
});
