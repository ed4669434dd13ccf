import { v7 as uuidv7 } from 'uuid';

/**
 * A new run id: a UUIDv7, lower-case. Its first 48 bits are the creation time in milliseconds, so
 * its text sorts by time and names the ledger partition the run (and its deliveries) go to.
 */
export function newRunId(): string {
  return uuidv7();
}
