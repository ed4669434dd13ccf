import type { NotificationDelivery, TaskRun } from '@herald/db';

/** a***@example.com: enough to recognise an address, not to harvest it. */
export function maskAddress(address: string | null): string | null {
  if (!address) return null;
  const [local = '', domain = ''] = address.split('@');
  return `${local.slice(0, 1)}***@${domain}`;
}

export function deliveryView(delivery: NotificationDelivery) {
  return {
    id: delivery.id,
    channel: delivery.channel,
    template: delivery.template,
    phase: delivery.phase,
    status: delivery.status,
    reason: delivery.reason,
    attempts: delivery.attempts,
    // The address used, or (not sent yet) the one a rule or a submission named.
    address: maskAddress(delivery.address ?? delivery.recipientAddress),
    sentAt: delivery.sentAt,
    createdAt: delivery.createdAt,
  };
}

/**
 * The run's error as the API shows it: without the stack lines the ledger keeps for the team's
 * own channels (Slack, PagerDuty, Teams, webhooks), which name the server's files.
 */
function errorView(error: TaskRun['error']): TaskRun['error'] {
  if (!error || typeof error !== 'object' || Array.isArray(error) || !('stack' in error)) return error;
  const { stack: _stack, ...shown } = error;
  return shown;
}

export function runView(run: TaskRun, progress?: unknown) {
  return {
    id: run.id,
    task: run.task,
    title: run.title,
    status: run.status,
    progress: progress ?? run.progress ?? null,
    attempts: run.attempts,
    maxAttempts: run.maxAttempts,
    input: run.input,
    result: run.result,
    error: errorView(run.error),
    parentId: run.parentId,
    scheduleName: run.scheduleName,
    createdAt: run.createdAt,
    startedAt: run.startedAt,
    finishedAt: run.finishedAt,
    attemptLog: run.attemptLog ?? undefined,
  };
}

/** Opaque cursor over (createdAt, id), the order of the runs index. */
export function encodeCursor(run: Pick<TaskRun, 'createdAt' | 'id'>): string {
  return Buffer.from(JSON.stringify([run.createdAt.toISOString(), run.id])).toString('base64url');
}

export function decodeCursor(cursor: string): { createdAt: Date; id: string } | null {
  try {
    const [createdAt, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [string, string];
    const date = new Date(createdAt);
    if (typeof id !== 'string' || Number.isNaN(date.getTime())) return null;
    return { createdAt: date, id };
  } catch {
    return null;
  }
}
