/**
 * Scenario 2: chords. Herald's TaskClient.chord (ledger rows for the callback and each child,
 * then one BullMQ flow) and its worker, against a stock FlowProducer flow whose callback reads
 * getChildrenValues(). Flows are submitted first, a few at a time, then the worker starts.
 */
import { FlowProducer } from 'bullmq';
import { startChild } from '../lib/child.ts';
import { createBenchClient, inParallel, seconds } from '../lib/client.ts';
import { REDIS_URL, type BenchSetup } from '../lib/setup.ts';
import { chordCallback, chordChild } from '../lib/tasks.ts';

/** Submissions in flight at once, like a handful of API requests. */
const SUBMIT_IN_FLIGHT = 10;

export interface ChordSide {
  submitSeconds: number;
  drainSeconds: number;
}

export interface ChordResult {
  flows: number;
  children: number;
  raw: ChordSide;
  herald: ChordSide;
}

export async function runChords(
  setup: BenchSetup,
  { flows, children, concurrency }: { flows: number; children: number; concurrency: number },
): Promise<ChordResult> {
  const rawPrefix = setup.newPrefix('raw-chord');
  const heraldPrefix = setup.newPrefix('herald-chord');
  const [rawChild, heraldChild] = await Promise.all([
    startChild({ kind: 'raw-chord', prefix: rawPrefix, redisUrl: REDIS_URL, concurrency }),
    startChild({ kind: 'herald-tasks', prefix: heraldPrefix, redisUrl: REDIS_URL, databaseUrl: setup.testDb.url, concurrency }),
  ]);

  const producer = new FlowProducer({ connection: setup.redis, prefix: rawPrefix });
  let startedAt = performance.now();
  await inParallel(flows, SUBMIT_IN_FLIGHT, (flow) =>
    producer.add({
      name: 'callback',
      queueName: 'tasks',
      data: { flow },
      children: Array.from({ length: children }, (_, n) => ({ name: 'child', queueName: 'tasks', data: { n } })),
    }),
  );
  const rawSubmit = seconds(startedAt);
  startedAt = performance.now();
  await rawChild.go();
  await rawChild.waitFor(flows, 'callback');
  const rawDrain = seconds(startedAt);
  await rawChild.stop();
  await producer.close();
  await setup.dropPrefix(rawPrefix);

  const bench = createBenchClient(setup, heraldPrefix);
  startedAt = performance.now();
  await inParallel(flows, SUBMIT_IN_FLIGHT, (flow) =>
    bench.client.chord(
      Array.from({ length: children }, (_, n) => chordChild.with({ n })),
      chordCallback.with({ flow }),
      setup.tenant,
    ),
  );
  const heraldSubmit = seconds(startedAt);
  startedAt = performance.now();
  await heraldChild.go();
  await heraldChild.waitFor(flows, chordCallback.name);
  const heraldDrain = seconds(startedAt);
  await heraldChild.stop();
  await bench.close();
  await setup.dropPrefix(heraldPrefix);
  await setup.testDb.db.pool.query(`DELETE FROM "TaskRun" WHERE task = ANY($1)`, [[chordChild.name, chordCallback.name]]);

  return {
    flows,
    children,
    raw: { submitSeconds: rawSubmit, drainSeconds: rawDrain },
    herald: { submitSeconds: heraldSubmit, drainSeconds: heraldDrain },
  };
}
