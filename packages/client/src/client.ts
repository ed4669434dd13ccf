import createClient from 'openapi-fetch';
import { HeraldApiError, RunFailedError, RunWaitTimeoutError, type RunDetail } from './errors';
import type { components, paths } from './schema';

type Schemas = components['schemas'];
export type SubmitTask = Schemas['SubmitTask'];
export type TaskCall = Schemas['TaskCall'];
export type TaskName = TaskCall['task'];
export type Chord = Schemas['Chord'];
export type Run = Schemas['Run'];
export type RunStatus = Schemas['RunStatus'];
export type AcceptedRun = Schemas['AcceptedRun'];
export type AcceptedChord = Schemas['AcceptedChord'];

export interface HeraldClientOptions {
  /** Where Herald's API listens, e.g. https://herald.example.com (no trailing /api). */
  baseUrl: string;
  /** An API token (`herald token create`). */
  token: string;
  fetch?: (request: Request) => Promise<Response>;
}

export interface WaitOptions {
  /** Give up after this long with RunWaitTimeoutError (the run goes on). Default 60 s. */
  timeoutMs?: number;
  /** Between two looks at the run. Default 250 ms. */
  intervalMs?: number;
  /** Stops waiting with the signal's reason. */
  signal?: AbortSignal;
  /** Also wait until this holds of the ended run, e.g. that its notifications have left `pending`. */
  until?: (run: RunDetail) => boolean;
}

export const TERMINAL_STATUSES: readonly RunStatus[] = ['succeeded', 'failed', 'timed_out', 'cancelled'];

interface ApiResult<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

function toApiError(error: unknown, response: Response): HeraldApiError {
  const retryAfter = Number(response.headers.get('retry-after'));
  const retryAfterSeconds = Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : undefined;
  const body = (error as Partial<Schemas['Error']> | undefined)?.error;
  if (body && typeof body.code === 'string' && typeof body.message === 'string') {
    return new HeraldApiError(
      response.status,
      body.code,
      body.message,
      body.details ?? [],
      retryAfterSeconds,
    );
  }
  return new HeraldApiError(
    response.status,
    'unexpected_response',
    `Herald answered ${response.status} ${response.statusText}`,
    [],
    retryAfterSeconds,
  );
}

function unwrap<T>({ data, error, response }: ApiResult<T>): T {
  if (!response.ok || data === undefined) throw toApiError(error, response);
  return data;
}

/** Resolves after ms, or rejects with the signal's reason when it aborts first. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason as Error);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Herald's typed client: `api` is the full openapi-fetch client over the OpenAPI document; the
 * methods beside it are what most callers need (submit, wait for the end, page through runs).
 * Every failure is a HeraldApiError carrying the API's code.
 */
export function createHeraldClient(options: HeraldClientOptions) {
  const api = createClient<paths>({
    baseUrl: options.baseUrl.replace(/\/+$/, ''),
    headers: { authorization: `Bearer ${options.token}` },
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });

  const getRun = async (id: string, signal?: AbortSignal): Promise<RunDetail> =>
    unwrap(await api.GET('/api/tasks/{id}', { params: { path: { id } }, signal }));

  const submit = async (call: SubmitTask, signal?: AbortSignal): Promise<AcceptedRun> =>
    unwrap(await api.POST('/api/tasks', { body: call, signal }));

  /** Resolves with the run once it has succeeded; rejects with RunFailedError when it ended otherwise. */
  async function waitForRun(id: string, wait: WaitOptions = {}): Promise<RunDetail> {
    const timeoutMs = wait.timeoutMs ?? 60_000;
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = wait.signal ? AbortSignal.any([wait.signal, timeout]) : timeout;
    let lastSeen: RunDetail | undefined;
    try {
      for (;;) {
        signal.throwIfAborted();
        const run = await getRun(id, signal);
        lastSeen = run;
        if (TERMINAL_STATUSES.includes(run.status) && (wait.until?.(run) ?? true)) {
          if (run.status !== 'succeeded') throw new RunFailedError(run);
          return run;
        }
        await sleep(wait.intervalMs ?? 250, signal);
      }
    } catch (error) {
      if (timeout.aborted && !wait.signal?.aborted) throw new RunWaitTimeoutError(id, timeoutMs, lastSeen);
      throw error;
    }
  }

  return {
    api,
    getRun,
    waitForRun,
    submit,
    async submitChord(chord: Chord, signal?: AbortSignal): Promise<AcceptedChord> {
      return unwrap(await api.POST('/api/flows', { body: chord, signal }));
    },
    async sendTestEmail(message?: string, signal?: AbortSignal): Promise<AcceptedRun> {
      return unwrap(
        await api.POST('/api/tasks/email-notification-test', {
          body: message === undefined ? {} : { message },
          signal,
        }),
      );
    },
    async cancel(id: string, signal?: AbortSignal) {
      return unwrap(await api.POST('/api/tasks/{id}/cancel', { params: { path: { id } }, signal }));
    },
    /** Submits a task and waits for its run as waitForRun does. */
    async submitAndWait(call: SubmitTask, wait: WaitOptions = {}): Promise<RunDetail> {
      const { id } = await submit(call, wait.signal);
      return waitForRun(id, wait);
    },
    /** Every run of the organization, newest first, following `nextCursor` page by page. */
    async *listRuns(
      query: { status?: RunStatus; limit?: number } = {},
      signal?: AbortSignal,
    ): AsyncGenerator<Run> {
      let cursor: string | undefined;
      do {
        const page = unwrap(await api.GET('/api/tasks', { params: { query: { ...query, cursor } }, signal }));
        yield* page.data;
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
    },
  };
}

export type HeraldClient = ReturnType<typeof createHeraldClient>;
