export { createDatabase, type Database, type DatabaseOptions, type Prisma, type TenantPrisma } from './client';
export { runInTenant, currentTenant, requireTenant, MissingTenantError, type Tenant } from './tenant-context';
export { applyMigrations, readMigrations, MigrationError, DEFAULT_MIGRATIONS_DIR, type MigrateResult } from './migrate';
export { Prisma as PrismaNamespace } from './generated/prisma/client';
export type {
  Organization,
  User,
  ApiToken,
  TaskRun,
  NotificationDelivery,
  NotificationPreference,
} from './generated/prisma/client';
export { RunStatus, DeliveryStatus } from './generated/prisma/enums';
export { generateApiToken, hashApiToken, isSameDigest, API_TOKEN_PREFIX, type NewApiToken } from './tokens';
