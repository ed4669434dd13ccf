/** Writes to stdout and waits until it is flushed, so an exit right after loses nothing. */
export function writeStdout(text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    process.stdout.write(text.endsWith('\n') ? text : `${text}\n`, (error) =>
      error ? reject(error) : resolve(),
    );
  });
}

export function toJsonLine(value: unknown): string {
  return JSON.stringify(value);
}
