import type { Database } from '@herald/db';
import type { ReceivedMail } from '@herald/email';
import type { MailSink } from './mail-sink';
import type { Tenant } from './world';

/** Tasks wrapped with emailNotification (default phases: succeeded, and failed after the last attempt). */
export const WRAPPED_TASKS = new Set(['reports.build', 'email_notification_test', 'tests.collect_results']);
const MAILED_PHASES = new Set(['succeeded', 'failed']);
const TERMINAL = new Set(['succeeded', 'failed', 'timed_out', 'cancelled']);
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;

/** A run the API accepted (202) and the tenant that submitted it. */
export interface AcceptedRun {
  id: string;
  tenant: Tenant;
}

export interface Audit {
  runs: number;
  statuses: Record<string, number>;
  /** Accepted but missing from the ledger, not terminal, or owed a mail that never came. */
  lost: string[];
  /** Mails beyond one per run, plus mails that name no accepted run. */
  duplicated: number;
  duplicatedRuns: string[];
  strays: number;
  strayMails: string[];
  /** Mails to someone other than the run's owner, or carrying another tenant's data. */
  leaks: string[];
  mails: number;
  /** The ledger and the inbox disagree: a delivery not `sent` for a mail that came, or more deliveries than mails owed. */
  disagreements: string[];
}

interface RunRow {
  id: string;
  status: string;
  task: string;
  organizationId: string;
  userId: string;
}

interface DeliveryRow {
  id: string;
  runId: string;
  status: string;
  attempts: number;
  reason: string | null;
}

async function readLedger(db: Database, ids: string[]) {
  const runs = await db.pool.query<RunRow>(
    `SELECT id, status::text AS status, task, "organizationId", "userId" FROM "TaskRun" WHERE id = ANY($1::text[])`,
    [ids],
  );
  const deliveries = await db.pool.query<DeliveryRow>(
    `SELECT id, "runId", status::text AS status, attempts, reason FROM "NotificationDelivery" WHERE "runId" = ANY($1::text[])`,
    [ids],
  );
  return { runs: new Map(runs.rows.map((row) => [row.id, row])), deliveries: deliveries.rows };
}

/** The accepted runs a mail names (its text carries the run id: "Task ID" and the results link). */
export function runIdsIn(mail: ReceivedMail, known: Map<string, AcceptedRun>): string[] {
  return [...new Set(mail.text.match(UUID) ?? [])].filter((id) => known.has(id));
}

const owesMail = (run: RunRow) => WRAPPED_TASKS.has(run.task) && MAILED_PHASES.has(run.status);

/** Whether every accepted run has ended and every delivery of theirs has an outcome, and the mails owed have come. */
export async function isSettled(db: Database, accepted: AcceptedRun[], sink: MailSink): Promise<boolean> {
  const { runs, deliveries } = await readLedger(
    db,
    accepted.map((run) => run.id),
  );
  if (runs.size < accepted.length) return false;
  if ([...runs.values()].some((run) => !TERMINAL.has(run.status))) return false;
  if (deliveries.some((delivery) => delivery.status === 'pending')) return false;
  const owed = [...runs.values()].filter(owesMail).length;
  return sink.messages.length >= owed;
}

/** Waits until isSettled (or the timeout), then a moment more so a late duplicate would be seen too. */
export async function waitUntilSettled(
  db: Database,
  accepted: AcceptedRun[],
  sink: MailSink,
  timeoutMs: number,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await isSettled(db, accepted, sink)) {
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      return true;
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  return false;
}

/** Compares what the API accepted, what the ledger says, and what the SMTP sink received. */
export async function auditRuns(
  db: Database,
  accepted: AcceptedRun[],
  mails: ReceivedMail[],
): Promise<Audit> {
  const known = new Map(accepted.map((run) => [run.id, run]));
  const { runs, deliveries } = await readLedger(db, [...known.keys()]);
  const mailsByRun = new Map<string, ReceivedMail[]>();
  const leaks: string[] = [];
  let strays = 0;
  const strayMails: string[] = [];
  const tenants = [...new Map(accepted.map((run) => [run.tenant.organizationId, run.tenant])).values()];

  for (const mail of mails) {
    const ids = runIdsIn(mail, known);
    const owners = new Set(ids.map((id) => known.get(id)!.tenant.organizationId));
    if (owners.size > 1) leaks.push(`mail ${mail.id} names runs of ${owners.size} organizations`);
    if (ids.length !== 1) {
      strays++;
      strayMails.push(
        `mail ${mail.id} "${mail.subject.slice(0, 80)}" to ${mail.to.join(', ')} names ${ids.length} accepted runs`,
      );
      continue;
    }
    const run = known.get(ids[0]!)!;
    mailsByRun.set(run.id, [...(mailsByRun.get(run.id) ?? []), mail]);
    if (mail.to.length !== 1 || mail.to[0] !== run.tenant.email) {
      leaks.push(`mail for run ${run.id} of ${run.tenant.email} went to ${mail.to.join(', ')}`);
    }
    const content = `${mail.subject}\n${mail.text}\n${mail.html}`;
    for (const other of tenants) {
      if (other.organizationId === run.tenant.organizationId) continue;
      if (
        content.includes(other.email) ||
        content.includes(other.organizationName) ||
        content.includes(other.organizationId)
      ) {
        leaks.push(`mail for run ${run.id} of ${run.tenant.email} carries data of ${other.email}`);
      }
    }
  }

  const lost: string[] = [];
  const duplicatedRuns: string[] = [];
  const disagreements: string[] = [];
  const statuses: Record<string, number> = {};
  const deliveriesByRun = new Map<string, DeliveryRow[]>();
  for (const delivery of deliveries)
    deliveriesByRun.set(delivery.runId, [...(deliveriesByRun.get(delivery.runId) ?? []), delivery]);
  let duplicated = strays;

  for (const { id } of accepted) {
    const run = runs.get(id);
    const received = mailsByRun.get(id)?.length ?? 0;
    if (!run) {
      lost.push(`${id}: accepted but not in the ledger`);
      continue;
    }
    statuses[run.status] = (statuses[run.status] ?? 0) + 1;
    const rows = deliveriesByRun.get(id) ?? [];
    const describeDeliveries = () =>
      rows
        .map(
          (row) =>
            `delivery ${row.status} after ${row.attempts} attempt(s)${row.reason ? `: ${row.reason}` : ''}`,
        )
        .join('; ') || 'no delivery recorded';
    if (!TERMINAL.has(run.status)) lost.push(`${id}: still ${run.status}`);
    else if (owesMail(run) && received === 0)
      lost.push(`${id}: ${run.status} but no mail arrived (${describeDeliveries()})`);
    if (received > 1) {
      duplicated += received - 1;
      duplicatedRuns.push(id);
    }
    const owed = owesMail(run) ? 1 : 0;
    if (rows.length !== owed)
      disagreements.push(`${id}: ${rows.length} deliveries recorded for ${owed} mail owed`);
    const sent = rows.filter((row) => row.status === 'sent').length;
    if (received > 0 && sent === 0) {
      disagreements.push(
        `${id}: a mail arrived but its delivery is ${rows.map((row) => row.status).join(',') || 'missing'}`,
      );
    }
    if (sent > 0 && received === 0) disagreements.push(`${id}: delivery sent but no mail arrived`);
  }

  return {
    runs: accepted.length,
    statuses,
    lost,
    duplicated,
    duplicatedRuns,
    strays,
    strayMails,
    leaks,
    mails: mails.length,
    disagreements,
  };
}

/** Number of these BullMQ jobs that stalled at least once (their worker died holding them). */
export async function countStalledJobs(
  redis: { hget(key: string, field: string): Promise<string | null> },
  prefix: string,
  queue: string,
  jobIds: string[],
): Promise<number> {
  let stalled = 0;
  for (const id of jobIds) {
    if (Number((await redis.hget(`${prefix}:${queue}:${id}`, 'stc')) ?? 0) > 0) stalled++;
  }
  return stalled;
}
