import { planPrune, pruneLedgerExclusively, retentionPolicyOf, type PruneReport } from '@herald/core';
import { withDatabase, type Command } from '../cli/command';

function describeReport(report: PruneReport): string {
  const verb = report.dryRun ? 'Would remove' : 'Removed';
  const dropVerb = report.dryRun ? 'Would drop' : 'Dropped';
  const partitions = report.partitions.map(
    (partition) =>
      `${dropVerb} day partition ${partition.suffix}: ${partition.runs} run(s), ${partition.deliveries} delivery record(s).`,
  );
  const inPartitions = (key: 'runs' | 'deliveries') =>
    report.partitions.reduce((sum, partition) => sum + partition[key], 0);
  return [
    `${verb} ${report.runs} finished run(s) that ended before ${report.runsBefore.toISOString()} and ${report.deliveries} delivery record(s)`,
    `(their runs' own, and ended deliveries written before ${report.deliveriesBefore.toISOString()}).`,
    ...partitions,
    `Batch-deleted: ${report.runs - inPartitions('runs')} run(s), ${report.deliveries - inPartitions('deliveries')} delivery record(s).`,
    `${verb} ${report.signIns.links} expired console sign-in link(s) and ${report.signIns.sessions} expired session(s).`,
    'Unfinished runs and pending deliveries are kept.',
  ].join('\n');
}

export const pruneCommand: Command = {
  path: ['prune'],
  usage: 'herald prune [--dry-run] [--json]',
  summary:
    'remove finished runs older than RUN_RETENTION_DAYS and ended deliveries older than DELIVERY_RETENTION_DAYS (--dry-run: count them only)',
  flags: { 'dry-run': { type: 'boolean' } },
  async run(args, context) {
    const policy = retentionPolicyOf(context.config);
    const dryRun = args.flags['dry-run'] === true;
    const report = await withDatabase(context, (db) =>
      dryRun ? planPrune(db.pool, policy) : pruneLedgerExclusively(db.pool, policy, { logger: context.log }),
    );
    if (!report) {
      return {
        data: { pruned: false, reason: 'another process is pruning' },
        text: 'Another process is pruning the ledger right now; nothing done.',
        exitCode: 1,
      };
    }
    return { data: { ...report, ...policy }, text: describeReport(report) };
  },
};
