import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { createErrorLogger } from './error-logger';

function capture() {
  const lines: { source: string; repeated: number; err: { message: string } }[] = [];
  const logger = pino({ level: 'warn' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
  return { logger, lines };
}

describe('createErrorLogger', () => {
  it('logs the first error of a kind, counts the repeats and reports them after the interval', async () => {
    const { logger, lines } = capture();
    const onError = createErrorLogger(logger, 50)('tasks queue');
    for (let slot = 0; slot < 100; slot += 1) onError(new Error(`MOVED ${slot} 127.0.0.1:7101`));
    onError(new Error('Connection is closed.'));
    expect(lines.map((line) => line.err.message)).toEqual([
      'MOVED 0 127.0.0.1:7101',
      'Connection is closed.',
    ]);
    await new Promise((resolve) => setTimeout(resolve, 60));
    onError(new Error('MOVED 7 127.0.0.1:7102'));
    expect(lines[2]).toMatchObject({ source: 'tasks queue', repeated: 99 });
  });
});
