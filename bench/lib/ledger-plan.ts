/**
 * What PostgreSQL does with the list query on the partitioned ledger: EXPLAIN (ANALYZE) of it,
 * boiled down to the nodes that matter (a Merge Append over the partitions' indexes, or not).
 */
import type pg from 'pg';

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  'Actual Loops'?: number;
  'Subplans Removed'?: number;
  Plans?: PlanNode[];
}

export interface PlanSummary {
  /** The plan's top, e.g. "Limit → Merge Append". */
  shape: string;
  mergeAppend: boolean;
  /** Partitions read through an index, and read sequentially. */
  indexScans: number;
  seqScans: number;
  /** Index scans that ran (a Merge Append asks every partition for its first row). */
  executed: number;
  /** Partitions the planner or the executor left out. */
  pruned: number;
  buffers: number;
  indexes: string[];
  /** Planning (every partition is considered) and execution, in ms. */
  planningMs: number;
  ms: number;
}

function walk(node: PlanNode, visit: (node: PlanNode) => void): void {
  visit(node);
  for (const child of node.Plans ?? []) walk(child, visit);
}

export async function explainList(pool: pg.Pool, sql: string, params: unknown[]): Promise<PlanSummary> {
  const { rows } = await pool.query<{
    'QUERY PLAN': [
      {
        Plan: PlanNode & { 'Shared Hit Blocks'?: number; 'Shared Read Blocks'?: number };
        'Planning Time': number;
        'Execution Time': number;
      },
    ];
  }>(`EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${sql}`, params);
  const top = rows[0]!['QUERY PLAN'][0];
  const summary: PlanSummary = {
    shape: '',
    mergeAppend: false,
    indexScans: 0,
    seqScans: 0,
    executed: 0,
    pruned: 0,
    buffers: (top.Plan['Shared Hit Blocks'] ?? 0) + (top.Plan['Shared Read Blocks'] ?? 0),
    indexes: [],
    planningMs: top['Planning Time'],
    ms: top['Execution Time'],
  };
  const shape: string[] = [];
  for (let node: PlanNode | undefined = top.Plan; node && shape.length < 4; node = node.Plans?.[0]) {
    shape.push(node['Node Type']);
    if (node['Node Type'] === 'Merge Append' || node['Node Type'] === 'Append') break;
  }
  summary.shape = shape.join(' → ');
  const indexes = new Set<string>();
  walk(top.Plan, (node) => {
    const type = node['Node Type'];
    if (type === 'Merge Append') summary.mergeAppend = true;
    summary.pruned += node['Subplans Removed'] ?? 0;
    if (type === 'Seq Scan') summary.seqScans += 1;
    if (type === 'Index Scan' || type === 'Index Only Scan' || type === 'Bitmap Heap Scan') {
      summary.indexScans += 1;
      if ((node['Actual Loops'] ?? 0) > 0) summary.executed += 1;
    }
    // "TaskRun_20261101_organizationId_createdAt_id_idx" → the parent index it comes from.
    if (node['Index Name'])
      indexes.add(node['Index Name'].replace(/^TaskRun_(\d{8}|high|low|default)_/, 'TaskRun_'));
  });
  summary.indexes = [...indexes];
  return summary;
}

export function describePlan(plan: PlanSummary): string {
  const over = plan.mergeAppend ? 'a Merge Append' : 'no Merge Append';
  return (
    `${plan.shape}: ${over} over ${plan.indexScans} partitions' index scans (${plan.executed} ran, ` +
    `${plan.pruned} pruned), ${plan.seqScans} Seq Scan; ${plan.indexes.join(', ') || 'no index'}; ` +
    `${plan.buffers} buffers, planned in ${plan.planningMs.toFixed(2)} ms, run in ${plan.ms.toFixed(2)} ms`
  );
}
