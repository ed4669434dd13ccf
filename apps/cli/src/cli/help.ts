import type { Command } from './command';

export function formatHelp(commands: Command[]): string {
  return [
    'herald: the Herald command line',
    '',
    ...commands.flatMap((command) => [`  ${command.usage}`, `      ${command.summary}`]),
    '',
    'With --json a command prints one JSON object on stdout; logs always go to stderr.',
    'Settings come from the environment: DATABASE_URL, REDIS_URL, SMTP_*, LOG_LEVEL, ...',
    'Exit codes: 0 done, 1 failed, 2 bad arguments.',
  ].join('\n');
}
