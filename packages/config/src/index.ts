export { envSchema, type Env } from './schema';
export { loadConfig, loadConfigOrExit, ConfigError, type Config, type SmtpConfig } from './load-config';
export type { DkimConfig } from './dkim-config';
