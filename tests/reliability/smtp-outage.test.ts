import { describe, it } from 'vitest';
import { runSmtpOutage } from './scenarios/smtp-outage';
import { expectClean } from './support/expect-clean';
import { QUICK } from './support/sizes';

describe('the SMTP server refuses, then goes away, mid-run', () => {
  it('runs are unaffected, deliveries retry, and once it is back every mail arrives exactly once', async () => {
    expectClean(await runSmtpOutage(QUICK.smtp));
  }, 300_000);
});
