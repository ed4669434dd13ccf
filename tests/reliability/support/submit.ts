import type { AcceptedRun } from './audit';
import type { World, Tenant } from './world';

export interface SubmitOptions {
  count: number;
  tenantFor(index: number): Tenant;
  body(index: number): unknown;
  /** Spreads the submissions evenly over this long (0: as fast as `concurrency` allows). */
  spreadOverMs?: number;
  concurrency?: number;
}

export interface Submission {
  accepted: AcceptedRun[];
  /** Status -> count of the submissions that were not accepted (e.g. 503 while a dependency is down). */
  refused: Map<number | 'no answer', number>;
}

/** Submits runs over REST, as clients do; only 202s count as accepted runs. */
export async function submitRuns(world: World, apiUrl: string, options: SubmitOptions): Promise<Submission> {
  const accepted: AcceptedRun[] = [];
  const refused = new Map<number | 'no answer', number>();
  const concurrency = options.concurrency ?? 16;
  const startedAt = Date.now();
  let next = 0;

  async function lane(): Promise<void> {
    for (;;) {
      const index = next++;
      if (index >= options.count) return;
      const dueAt = startedAt + ((options.spreadOverMs ?? 0) * index) / options.count;
      const wait = dueAt - Date.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      const tenant = options.tenantFor(index);
      const response = await world.http.call(apiUrl, 'POST', '/api/tasks', {
        token: tenant.token,
        body: options.body(index),
      });
      if (response?.status === 202 && typeof response.json?.id === 'string') {
        accepted.push({ id: response.json.id as string, tenant });
      } else {
        const key = response?.status ?? 'no answer';
        refused.set(key, (refused.get(key) ?? 0) + 1);
      }
    }
  }

  await Promise.all(Array.from({ length: concurrency }, () => lane()));
  return { accepted, refused };
}

export function describeRefused(refused: Submission['refused']): string {
  return [...refused.entries()].map(([status, count]) => `${count} x ${status}`).join(', ');
}
