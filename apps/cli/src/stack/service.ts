/** One piece of the local stack: where it is and whether this process started it. */
export interface ResolvedService {
  url: string;
  /** `environment`: the user's setting; `running`: found running; `started`: started here. */
  source: 'environment' | 'running' | 'started';
  /** One line for people, e.g. "redis-server on 127.0.0.1:40123 (started)". */
  description: string;
  /** Stops it when this process started it; a no-op otherwise. */
  stop(): Promise<void>;
}

export class StackError extends Error {
  override name = 'StackError';
}

export const noop = async (): Promise<void> => undefined;
