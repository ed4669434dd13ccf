import { setTimeout as sleep } from 'node:timers/promises';
import { auditRuns, waitUntilSettled, type AcceptedRun } from '../support/audit';
import { addAudit, emptyResult, type ScenarioResult } from '../support/result';
import type { Sizes } from '../support/sizes';
import { describeRefused, submitRuns } from '../support/submit';
import { World } from '../support/world';

/**
 * The SMTP server first answers 451 to everything, then is gone altogether, while runs keep
 * ending. Runs must not notice; deliveries must retry with the production backoff; once the
 * server is back every mail must arrive exactly once.
 */
export async function runSmtpOutage(sizes: Sizes['smtp']): Promise<ScenarioResult> {
  const outageMs = sizes.tempfailMs + sizes.stoppedMs;
  const result = emptyResult(
    `SMTP outage: ${sizes.tempfailMs / 1000} s 451 + ${sizes.stoppedMs / 1000} s down`,
  );
  const startedAt = Date.now();
  const world = await World.create();
  try {
    const tenants = await Promise.all(['Acme', 'Globex'].map((name) => world.createTenant(name)));
    const [api] = await Promise.all([
      world.startApi(),
      world.startWorker('worker-1'),
      world.startWorker('worker-2'),
    ]);
    const submit = (count: number, spreadOverMs: number, label: string) =>
      submitRuns(world, api.url, {
        count,
        tenantFor: (index) => tenants[index % tenants.length]!,
        body: (index) =>
          index % 3 === 0
            ? { task: 'email_notification_test', input: { message: `${label} ${index}` } }
            : { task: 'reports.build', input: { report_name: `${label} ${index}`, stepMs: 20 } },
        spreadOverMs,
        concurrency: 4,
      });
    const quarter = Math.max(1, Math.floor(sizes.runs / 4));

    const before = await submit(quarter, 1_000, 'before');
    await waitUntilSettled(world.db, before.accepted, world.sink, 30_000);
    const mailsBefore = world.sink.messages.length;

    // The outage: runs keep being submitted (in its first 80 %, so each has time to end inside it).
    const outageStartedAt = Date.now();
    world.sink.refuse('tempfail');
    const during = submit(sizes.runs - 2 * quarter, outageMs * 0.8, 'during');
    await sleep(sizes.tempfailMs);
    await world.sink.stop();
    await sleep(Math.max(0, outageStartedAt + outageMs - Date.now()));
    const { accepted: duringAccepted, refused } = await during;

    // While the server is still away: every run of the outage has ended, none failed for want of mail.
    const duringIds = duringAccepted.map((run) => run.id);
    const { rows: duringRuns } = await world.db.pool.query<{ status: string; count: string }>(
      `SELECT status::text AS status, count(*) AS count FROM "TaskRun" WHERE id = ANY($1::text[]) GROUP BY status`,
      [duringIds],
    );
    const succeededInOutage = Number(duringRuns.find((row) => row.status === 'succeeded')?.count ?? 0);
    const endedOtherwise = duringRuns.filter(
      (row) => !['succeeded', 'queued', 'running'].includes(row.status),
    );
    if (endedOtherwise.length || succeededInOutage === 0) {
      result.failures.push(
        `runs during the outage: ${duringRuns.map((row) => `${row.count} ${row.status}`).join(', ') || 'none'}; expected them to succeed while the SMTP server was away`,
      );
    }
    const mailsDuringOutage = world.sink.messages.length - mailsBefore;
    if (mailsDuringOutage !== 0)
      result.failures.push(`${mailsDuringOutage} mails were accepted while the server refused them`);

    await world.sink.resume();
    world.sink.refuse(null);
    const outageEndedAt = Date.now();
    const after = await submit(quarter, 1_000, 'after');

    const accepted: AcceptedRun[] = [...before.accepted, ...duringAccepted, ...after.accepted];
    const settled = await waitUntilSettled(world.db, accepted, world.sink, sizes.settleTimeoutMs);
    if (!settled)
      result.failures.push(`not settled ${sizes.settleTimeoutMs / 1000} s after the SMTP server came back`);
    addAudit(result, await auditRuns(world.db, accepted, world.sink.messages));

    const { rows: retried } = await world.db.pool.query<{ attempts: number }>(
      `SELECT attempts FROM "NotificationDelivery" WHERE "runId" = ANY($1::text[])`,
      [duringIds],
    );
    const withRetries = retried.filter((row) => row.attempts > 1).length;
    if (withRetries === 0) result.failures.push('no delivery was retried: the outage tested nothing');
    const output = world.processes.output();
    const reasons = new Set<string>();
    for (const match of output.matchAll(/"reason":"((?:SMTP \d{3}|E[A-Z]+)[^"]{0,40})/g))
      reasons.add(match[1]!.replace(/\d+\.\d+\.\d+\.\d+:\d+/, 'host'));
    result.notes.push(
      `${succeededInOutage} of the ${duringIds.length} runs submitted during the outage had succeeded before the server came back, with no mail; ${withRetries} of their deliveries needed more than one attempt` +
        ` (failures seen: ${[...reasons].slice(0, 4).join(' | ') || 'none logged'}); all mail in ${Math.round((Date.now() - outageEndedAt) / 1000)} s after the server returned (production backoff, 15 s exponential)`,
    );
    if (refused.size) result.notes.push(`submissions not accepted: ${describeRefused(refused)}`);
    result.http5xx = world.http.serverErrors.length;
    result.crashes = world.processes.crashed.length;
    for (const crashed of world.processes.crashed)
      result.failures.push(`${crashed.name} crashed: ${crashed.tail(5)}`);
    result.requests = world.http.requests;
  } finally {
    await world.close();
    result.durationMs = Date.now() - startedAt;
  }
  return result;
}
