import pino, { type Logger } from 'pino';

export type { Logger };

const LEVEL_NAMES: Record<number, string> = {
  10: 'trace',
  20: 'debug',
  30: 'info',
  40: 'warn',
  50: 'error',
  60: 'fatal',
};
const HIDDEN_KEYS = new Set(['level', 'time', 'pid', 'hostname', 'name', 'msg']);

/** One short line per record for a person at a terminal; pino's JSON is kept for everything else. */
function formatForTerminal(line: string): string {
  try {
    const record = JSON.parse(line) as Record<string, unknown>;
    const extras = Object.entries(record)
      .filter(([key]) => !HIDDEN_KEYS.has(key))
      .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`);
    const level = LEVEL_NAMES[Number(record.level)] ?? 'log';
    return `herald ${level === 'info' ? '' : `${level}: `}${typeof record.msg === 'string' ? record.msg : ''}${extras.length ? `  ${extras.join(' ')}` : ''}\n`;
  } catch {
    return line;
  }
}

/** Logs go to stderr so that stdout carries only the command's result. */
export function createCliLogger(level: string): Logger {
  if (!process.stderr.isTTY)
    return pino({ name: 'herald', level }, pino.destination({ dest: 2, sync: true }));
  return pino(
    { name: 'herald', level },
    { write: (line: string) => process.stderr.write(formatForTerminal(line)) },
  );
}
