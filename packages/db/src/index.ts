export {
  createDatabase,
  type Database,
  type DatabaseOptions,
  type Prisma,
  type TenantPrisma,
} from './client';
/** A client checked out of Database['pool']. */
export type { PoolClient } from 'pg';
export { runInTenant, currentTenant, requireTenant, MissingTenantError, type Tenant } from './tenant-context';
export {
  applyMigrations,
  readMigrations,
  MigrationError,
  DEFAULT_MIGRATIONS_DIR,
  type MigrateResult,
} from './migrate';
export { Prisma as PrismaNamespace } from './generated/prisma/client';
export type {
  Organization,
  User,
  ApiToken,
  TaskRun,
  NotificationDelivery,
  NotificationPreference,
  Schedule,
  AlertState,
  NotificationChannel,
  SignInLink,
  ConsoleSession,
  EmailSuppression,
} from './generated/prisma/client';
export { RunStatus, DeliveryStatus, UserRole } from './generated/prisma/enums';
export { isPlainEmailAddress } from './email-address';
export { generateApiToken, hashApiToken, isSameDigest, API_TOKEN_PREFIX, type NewApiToken } from './tokens';
export {
  createOrganization,
  createUser,
  updateUserRole,
  USER_ROLES,
  createApiToken,
  revokeApiToken,
  listOrganizations,
  listUsers,
  listTokens,
  seedDemo,
  canConnectToDatabase,
  createDatabaseIfMissing,
  NotFoundError,
  DuplicateError,
  InvalidInputError,
  DEMO_ORGANIZATION_ID,
  DEMO_USER_EMAIL,
  SYSTEM_USER_EMAIL,
  type NewOrganization,
  type NewUser,
  type CreatedApiToken,
} from './admin';
