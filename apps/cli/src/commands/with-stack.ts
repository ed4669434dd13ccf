import type { Command } from '../cli/command';
import { UsageError } from '../cli/usage-error';
import { runChild } from '../stack/run-child';
import { resolveStack } from '../stack/stack';

export const withStackCommand: Command = {
  path: ['with-stack'],
  usage: 'herald with-stack [--json] -- <command...>',
  summary:
    'run a command with REDIS_URL and DATABASE_URL (a server URL) pointing at a local Redis and PostgreSQL, found or started; exits with its code',
  flags: {},
  takesCommand: true,
  async run(args, { explicit, log, json }) {
    if (args.rest.length === 0) {
      throw new UsageError(
        'herald with-stack: give the command to run after --, e.g. herald with-stack -- pnpm exec vitest run',
      );
    }
    // Tests bring their own SMTP sink and create their own databases on the server.
    const stack = await resolveStack({
      queues: true,
      postgres: true,
      given: {
        queueBackend: explicit.queueBackend,
        redisUrl: explicit.redisUrl,
        databaseUrl: explicit.databaseUrl,
      },
      log,
    });
    const services = stack.describe();
    for (const line of services) log.info(line);
    let exitCode: number;
    try {
      exitCode = await runChild(args.rest, {
        env: { ...process.env, ...stack.env },
        log,
        stdoutToStderr: json,
      });
    } finally {
      await stack.stop();
    }
    return {
      data: { command: args.rest, exitCode, env: stack.env, services },
      // Without --json, stdout belongs to the command alone.
      text: '',
      exitCode,
    };
  },
};
