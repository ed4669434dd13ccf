/** A bad command line: reported as one line naming the flag, exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}
