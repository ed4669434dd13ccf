import { loadConfig, loadConfigOrExit } from '@herald/config';
import { parseCommandArgs } from './cli/args';
import { commandName, type Command, type ExplicitSettings } from './cli/command';
import { describeFailure } from './cli/describe-failure';
import { formatHelp } from './cli/help';
import { createCliLogger, type Logger } from './cli/logger';
import { toJsonLine, writeStdout } from './cli/output';
import { UsageError } from './cli/usage-error';
import { demoCommand } from './commands/demo';
import { migrateCommand } from './commands/migrate';
import { openapiCommand } from './commands/openapi';
import { orgCreateCommand, orgListCommand } from './commands/org';
import { pruneCommand } from './commands/prune';
import { seedCommand } from './commands/seed';
import { tokenCreateCommand, tokenListCommand, tokenRevokeCommand } from './commands/token';
import { userCreateCommand, userListCommand, userUpdateCommand } from './commands/user';
import { withStackCommand } from './commands/with-stack';

const COMMANDS: Command[] = [
  migrateCommand,
  seedCommand,
  orgCreateCommand,
  orgListCommand,
  userCreateCommand,
  userListCommand,
  userUpdateCommand,
  tokenCreateCommand,
  tokenListCommand,
  tokenRevokeCommand,
  pruneCommand,
  demoCommand,
  withStackCommand,
  openapiCommand,
];

function findCommand(argv: string[]): { command: Command; args: string[] } {
  const matches = COMMANDS.filter((command) => command.path.every((word, index) => argv[index] === word));
  const command = matches.sort((a, b) => b.path.length - a.path.length)[0];
  if (command) return { command, args: argv.slice(command.path.length) };
  const group = COMMANDS.filter((candidate) => candidate.path.length > 1 && candidate.path[0] === argv[0]);
  if (group.length > 0) {
    const subcommands = group.map((candidate) => candidate.path[1]).join(', ');
    const got = argv[1] === undefined ? '' : ` (got "${argv[1]}")`;
    throw new UsageError(`herald ${argv[0]}: expected one of ${subcommands}${got}`);
  }
  const names = [...new Set(COMMANDS.map((candidate) => candidate.path[0]))].join(', ');
  throw new UsageError(`herald: unknown command "${argv[0]}" (commands: ${names}; see herald --help)`);
}

/** Whether the user set a variable at all: its value always comes from the validated config. */
function isSet(name: string): boolean {
  return (process.env[name] ?? '') !== '';
}

async function main(argv: string[]): Promise<number> {
  let log: Logger | undefined;
  let databaseUrl: string | undefined;
  try {
    if (argv.length === 0 || argv[0] === 'help' || argv[0] === '--help' || argv[0] === '-h') {
      const help = formatHelp(COMMANDS);
      if (argv.length > 0) await writeStdout(help);
      else process.stderr.write(`${help}\n`);
      return argv.length === 0 ? 2 : 0;
    }
    const { command, args } = findCommand(argv);
    const parsed = parseCommandArgs({ ...command, commandName: commandName(command) }, args);
    if (parsed.flags.help) {
      await writeStdout(`${command.usage}\n  ${command.summary}`);
      return 0;
    }
    // A command that reads no setting gets the defaults, so a half-set environment cannot stop it.
    const config = command.readsConfig === false ? loadConfig({}) : loadConfigOrExit();
    databaseUrl = config.DATABASE_URL;
    log = createCliLogger(config.LOG_LEVEL);
    const explicit: ExplicitSettings = {
      redisUrl: isSet('REDIS_URL') ? config.REDIS_URL : undefined,
      queueBackend: config.QUEUE_BACKEND,
      databaseUrl: isSet('DATABASE_URL') ? config.DATABASE_URL : undefined,
      smtpHost: isSet('SMTP_HOST') ? config.SMTP_HOST : undefined,
    };
    const json = parsed.flags.json === true;
    const result = await command.run(parsed, { config, explicit, log, json });
    if (json) await writeStdout(toJsonLine(result.data));
    else if (result.text) await writeStdout(result.text);
    return result.exitCode ?? 0;
  } catch (error) {
    // Failures go to stderr only: with --json, stdout holds a result or nothing.
    const failure = describeFailure(error, databaseUrl);
    if (failure.code === 'internal') log?.debug({ err: error }, 'command failed');
    process.stderr.write(`${failure.message}\n`);
    return failure.exitCode;
  }
}

// An explicit exit: handles left open by a library (a pool, a timer) must not keep a finished command alive.
main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`${String(error)}\n`);
    process.exit(1);
  },
);
