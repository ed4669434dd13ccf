import { constants } from 'node:os';
import type { Logger } from '../cli/logger';

/**
 * While a command holds services it started, Ctrl-C or a SIGTERM must stop them before the
 * process goes. Returns a function that removes the handlers again.
 */
export function stopOnSignal(stop: () => Promise<void>, log: Logger): () => void {
  const handle = (signal: NodeJS.Signals) => {
    log.info({ signal }, 'stopping what was started');
    void stop()
      .catch((error: unknown) => log.warn({ err: error }, 'could not stop everything'))
      .finally(() => process.exit(128 + (constants.signals[signal] ?? 0)));
  };
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
  for (const signal of signals) process.once(signal, handle);
  return () => {
    for (const signal of signals) process.removeListener(signal, handle);
  };
}
