import { afterAll, beforeAll, describe, it } from 'vitest';
import {
  finishSecurityReview,
  SECURITY_CHECKS,
  startSecurityContext,
  type SecurityContext,
} from './scenarios/security';
import { expectClean } from './support/expect-clean';
import { emptyResult } from './support/result';

let ctx: SecurityContext;

beforeAll(async () => {
  ctx = await startSecurityContext();
}, 120_000);
afterAll(async () => {
  await ctx?.world.close();
});

describe('security review', () => {
  for (const check of SECURITY_CHECKS) it(check.name, () => check.run(ctx), 120_000);

  it('and meanwhile: no 5xx, no crash, every run of the review mailed once to its owner', async () => {
    const result = emptyResult('security review');
    await finishSecurityReview(ctx, result);
    result.notes.push(...ctx.notes);
    expectClean(result);
  }, 120_000);
});
