import { type z } from 'zod';
import { DkimSettingError, readDkimConfig, type DkimConfig } from './dkim-config';
import { deliverabilityWarnings, productionProblems } from './production-checks';
import { envSchema, type Env } from './schema';

export interface SmtpConfig {
  host: string;
  port: number;
  secure: boolean;
  requireTLS: boolean;
  user: string | undefined;
  password: string | undefined;
  from: string;
  poolSize: number;
  /** null when no DKIM key is configured: mail then goes out unsigned. */
  dkim?: DkimConfig | null;
}

export interface Config extends Env {
  HERALD_SECRET: string;
  PUBLIC_API_URL: string;
  CONSOLE_URL: string;
  /**
   * Where "View results" and other run links point: FRONTEND_URL when a team has its own app,
   * else the console (`<CONSOLE_URL>/app`). Links into it end in `/runs/:id`.
   */
  resultsBaseUrl: string;
  /** True when run links go to the console: mail then carries a signed, expiring run token. */
  linksToConsole: boolean;
  /** null when SMTP_HOST is missing or auth is half-configured: e-mail is then disabled. */
  smtp: SmtpConfig | null;
  /** The reason e-mail is disabled, when it is. */
  smtpProblem: string | null;
  /** True when REDIS_URL came from the environment rather than its default. */
  redisUrlGiven: boolean;
  /** Worth one warning line at start (no DKIM in production, a DKIM domain not aligned with From). */
  warnings: string[];
}

const DEVELOPMENT_SECRET = 'herald-development-secret-do-not-use-in-production';

export class ConfigError extends Error {
  override name = 'ConfigError';
  constructor(
    message: string,
    readonly variables: string[],
  ) {
    super(message);
  }
}

/** Variables whose value is a secret: the message names a bad one, and never shows it. */
const SECRET_VARIABLE = /PASSWORD|SECRET|TOKEN|KEY/;

function describeIssue(issue: z.core.$ZodIssue, env: Record<string, string | undefined>): string {
  const variable = String(issue.path[0] ?? 'environment');
  const raw = env[variable];
  if (raw !== undefined && SECRET_VARIABLE.test(variable))
    return `${variable}: ${issue.message} (got ${raw.length} characters)`;
  // A URL may carry a password (redis://:password@host): the message goes to logs, the password does not.
  const shown = raw?.replace(/:[^:@/\s]*@/g, ':***@');
  const got =
    shown === undefined
      ? 'it is not set'
      : `got ${JSON.stringify(shown.length > 60 ? shown.slice(0, 57) + '...' : shown)}`;
  return `${variable}: ${issue.message} (${got})`;
}

/** Parses and checks the environment. Throws ConfigError naming every bad variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const variables = parsed.error.issues.map((issue) => String(issue.path[0]));
    const details = parsed.error.issues.map((issue) => describeIssue(issue, env)).join('; ');
    throw new ConfigError(`Invalid configuration: ${details}`, variables);
  }
  const values = parsed.data;
  if (values.NODE_ENV === 'production') {
    const problems = productionProblems(values);
    if (!values.HERALD_SECRET)
      problems.unshift({
        variable: 'HERALD_SECRET',
        message: 'required in production to sign unsubscribe links (it is not set)',
      });
    if (problems.length)
      throw new ConfigError(
        `Invalid configuration: ${problems.map((problem) => `${problem.variable}: ${problem.message}`).join('; ')}`,
        problems.map((problem) => problem.variable),
      );
  }
  let dkim: DkimConfig | null;
  try {
    dkim = readDkimConfig(values);
  } catch (error) {
    if (!(error instanceof DkimSettingError)) throw error;
    throw new ConfigError(`Invalid configuration: ${error.variable}: ${error.message}`, [error.variable]);
  }
  let smtpProblem: string | null = null;
  if (!values.SMTP_HOST) smtpProblem = 'SMTP_HOST is not set';
  else if (values.SMTP_USER && !values.SMTP_PASSWORD) smtpProblem = 'SMTP_USER is set without SMTP_PASSWORD';
  else if (!values.SMTP_USER && values.SMTP_PASSWORD) smtpProblem = 'SMTP_PASSWORD is set without SMTP_USER';

  const publicApiUrl = values.PUBLIC_API_URL ?? `http://localhost:${values.PORT}`;
  const consoleUrl = (values.CONSOLE_URL ?? publicApiUrl).replace(/\/+$/, '');
  return {
    ...values,
    HERALD_SECRET: values.HERALD_SECRET ?? DEVELOPMENT_SECRET,
    PUBLIC_API_URL: publicApiUrl,
    CONSOLE_URL: consoleUrl,
    resultsBaseUrl: values.FRONTEND_URL?.replace(/\/+$/, '') ?? `${consoleUrl}/app`,
    linksToConsole: !values.FRONTEND_URL,
    redisUrlGiven: Boolean(env.REDIS_URL),
    smtpProblem,
    warnings: deliverabilityWarnings(values, dkim),
    smtp:
      smtpProblem || !values.SMTP_HOST
        ? null
        : {
            host: values.SMTP_HOST,
            port: values.SMTP_PORT,
            secure: values.SMTP_SECURE,
            requireTLS: values.SMTP_REQUIRE_STARTTLS,
            user: values.SMTP_USER,
            password: values.SMTP_PASSWORD,
            from: values.SMTP_FROM,
            poolSize: values.SMTP_POOL_SIZE,
            dkim,
          },
  };
}

/** For an app's entry point: parse the environment, or print one line and exit 1. */
export function loadConfigOrExit(env: Record<string, string | undefined> = process.env): Config {
  try {
    return loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
}
