import { parseArgs } from 'node:util';
import { UsageError } from './usage-error';

export interface FlagSpec {
  type: 'string' | 'boolean';
  short?: string;
}

export interface ParsedArgs {
  flags: Record<string, unknown>;
  positionals: string[];
  /** Everything after `--`, for commands that run another command. */
  rest: string[];
}

export interface ArgsSpec {
  commandName: string;
  flags: Record<string, FlagSpec>;
  positionals?: { min: number; max: number };
  /** When true, `--` ends herald's arguments and the rest is kept verbatim. */
  takesCommand?: boolean;
}

/** Flags every command takes. */
export const COMMON_FLAGS: Record<string, FlagSpec> = {
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
};

function quotedFlag(message: string): string {
  return /'(-{1,2}[^' ]+)/.exec(message)?.[1] ?? 'a flag';
}

function explainParseError(error: Error & { code?: string }, known: string[]): string {
  switch (error.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `unknown flag ${quotedFlag(error.message)} (known: ${known.join(', ')})`;
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE': {
      const flag = quotedFlag(error.message);
      return error.message.includes('does not take') ? `${flag} takes no value` : `${flag} needs a value`;
    }
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return `unexpected argument ${/'([^']*)'/.exec(error.message)?.[1] ?? ''}`.trim();
    default:
      return error.message.split('\n')[0] ?? 'bad arguments';
  }
}

export function parseCommandArgs(spec: ArgsSpec, args: string[]): ParsedArgs {
  const dash = spec.takesCommand ? args.indexOf('--') : -1;
  const own = dash >= 0 ? args.slice(0, dash) : args;
  const rest = dash >= 0 ? args.slice(dash + 1) : [];
  const options = { ...COMMON_FLAGS, ...spec.flags };
  const known = Object.keys(options).map((name) => `--${name}`);
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: own, options, strict: true, allowPositionals: true });
  } catch (error) {
    throw new UsageError(`${spec.commandName}: ${explainParseError(error as Error, known)}`);
  }
  const { min, max } = spec.positionals ?? { min: 0, max: 0 };
  const positionals = parsed.positionals;
  if (spec.takesCommand && dash < 0) {
    // `herald with-stack vitest run` without `--`: take the positionals as the command.
    return { flags: parsed.values, positionals: [], rest: positionals };
  }
  if (positionals.length > max) {
    throw new UsageError(`${spec.commandName}: unexpected argument ${positionals[max]}`);
  }
  if (positionals.length < min) {
    throw new UsageError(
      `${spec.commandName}: missing argument (usage: ${spec.commandName} ${'<id> '.repeat(min).trim()})`,
    );
  }
  return { flags: parsed.values, positionals, rest };
}

export function optionalString(args: ParsedArgs, flag: string): string | undefined {
  const value = args.flags[flag];
  return typeof value === 'string' ? value : undefined;
}

export function requiredString(commandName: string, args: ParsedArgs, flag: string): string {
  const value = optionalString(args, flag);
  if (value === undefined || value.trim() === '')
    throw new UsageError(`${commandName}: --${flag} is required`);
  return value;
}

export function isFlagSet(args: ParsedArgs, flag: string): boolean {
  return args.flags[flag] === true;
}
