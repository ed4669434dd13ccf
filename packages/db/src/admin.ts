import pg from 'pg';
import type { Database } from './client';
import { Prisma } from './generated/prisma/client';
import { UserRole } from './generated/prisma/enums';
import { generateApiToken } from './tokens';

/** Operator actions behind `herald org|user|token|seed`. Unscoped: an operator names the tenant. */

export class NotFoundError extends Error {
  override name = 'NotFoundError';
  constructor(
    readonly entity: string,
    readonly id: string,
  ) {
    super(`No ${entity} with id ${id}`);
  }
}

export class DuplicateError extends Error {
  override name = 'DuplicateError';
}

export class InvalidInputError extends Error {
  override name = 'InvalidInputError';
  constructor(
    message: string,
    /** The input field at fault, so a caller can name its own flag or form field. */
    readonly field: string,
  ) {
    super(message);
  }
}

export interface NewOrganization {
  name: string;
  logoUrl?: string;
  brandColor?: string;
  footerText?: string;
}

export interface NewUser {
  organizationId: string;
  email?: string;
  name?: string;
  isSystem?: boolean;
  role?: UserRole;
}

export interface CreatedApiToken {
  id: string;
  /** The plaintext token: shown once, never stored. */
  token: string;
  prefix: string;
  name: string;
  userId: string;
  organizationId: string;
}

const ORGANIZATION_FIELDS = {
  id: true,
  name: true,
  logoUrl: true,
  brandColor: true,
  footerText: true,
  createdAt: true,
} as const;
const USER_FIELDS = {
  id: true,
  organizationId: true,
  email: true,
  name: true,
  isSystem: true,
  role: true,
  createdAt: true,
} as const;
// Every column but tokenHash: listings must never carry the hash.
const TOKEN_FIELDS = {
  id: true,
  organizationId: true,
  userId: true,
  name: true,
  prefix: true,
  createdAt: true,
  lastUsedAt: true,
  expiresAt: true,
  revokedAt: true,
} as const;

const BRAND_COLOR = /^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$/;
const EMAIL = /^[^\s@]+@[^\s@]+$/;

function isUniqueViolation(error: unknown): boolean {
  return error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002';
}

export async function createOrganization(db: Database, input: NewOrganization) {
  const name = input.name.trim();
  if (!name) throw new InvalidInputError('An organization needs a name', 'name');
  if (input.brandColor !== undefined && !BRAND_COLOR.test(input.brandColor)) {
    throw new InvalidInputError(
      `Brand colour must look like #1a2b3c (got "${input.brandColor}")`,
      'brandColor',
    );
  }
  if (input.logoUrl !== undefined && !URL.canParse(input.logoUrl)) {
    throw new InvalidInputError(`Logo URL must be an absolute URL (got "${input.logoUrl}")`, 'logoUrl');
  }
  return db.prisma.organization.create({
    data: { name, logoUrl: input.logoUrl, brandColor: input.brandColor, footerText: input.footerText },
    select: ORGANIZATION_FIELDS,
  });
}

export async function createUser(db: Database, input: NewUser) {
  const email = input.email?.trim().toLowerCase();
  if (email !== undefined && !EMAIL.test(email)) {
    throw new InvalidInputError(`"${input.email}" is not an e-mail address`, 'email');
  }
  const organization = await db.prisma.organization.findUnique({ where: { id: input.organizationId } });
  if (!organization) throw new NotFoundError('organization', input.organizationId);
  try {
    return await db.prisma.user.create({
      data: {
        organizationId: organization.id,
        email,
        name: input.name,
        isSystem: input.isSystem ?? false,
        role: input.role ?? UserRole.member,
      },
      select: USER_FIELDS,
    });
  } catch (error) {
    if (isUniqueViolation(error)) {
      throw new DuplicateError(
        `A user with e-mail ${email} already exists in organization ${organization.id}`,
        {
          cause: error,
        },
      );
    }
    throw error;
  }
}

export const USER_ROLES = Object.values(UserRole);

/** Sets a user's console role: `admin` may change the organization's branding. */
export async function updateUserRole(db: Database, input: { userId: string; role: string }) {
  if (!(USER_ROLES as string[]).includes(input.role)) {
    throw new InvalidInputError(`Role must be one of ${USER_ROLES.join(', ')} (got "${input.role}")`, 'role');
  }
  const user = await db.prisma.user.findUnique({ where: { id: input.userId }, select: { id: true } });
  if (!user) throw new NotFoundError('user', input.userId);
  return db.prisma.user.update({
    where: { id: user.id },
    data: { role: input.role as UserRole },
    select: USER_FIELDS,
  });
}

export async function createApiToken(
  db: Database,
  input: { userId: string; name?: string },
): Promise<CreatedApiToken> {
  const user = await db.prisma.user.findUnique({ where: { id: input.userId } });
  if (!user) throw new NotFoundError('user', input.userId);
  const { token, hash, prefix } = generateApiToken();
  const row = await db.prisma.apiToken.create({
    data: {
      organizationId: user.organizationId,
      userId: user.id,
      name: input.name ?? 'default',
      tokenHash: hash,
      prefix,
    },
    select: { id: true, name: true },
  });
  return { id: row.id, token, prefix, name: row.name, userId: user.id, organizationId: user.organizationId };
}

/** Revokes a token; revoking it again keeps the first revocation time. */
export async function revokeApiToken(db: Database, id: string) {
  const existing = await db.prisma.apiToken.findUnique({ where: { id }, select: TOKEN_FIELDS });
  if (!existing) throw new NotFoundError('API token', id);
  if (existing.revokedAt) return existing;
  return db.prisma.apiToken.update({ where: { id }, data: { revokedAt: new Date() }, select: TOKEN_FIELDS });
}

export async function listOrganizations(db: Database) {
  return db.prisma.organization.findMany({
    select: ORGANIZATION_FIELDS,
    orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
  });
}

export async function listUsers(db: Database, organizationId: string) {
  const organization = await db.prisma.organization.findUnique({
    where: { id: organizationId },
    select: { id: true },
  });
  if (!organization) throw new NotFoundError('organization', organizationId);
  return db.prisma.user.findMany({
    where: { organizationId },
    select: USER_FIELDS,
    orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
  });
}

export async function listTokens(db: Database, userId: string) {
  const user = await db.prisma.user.findUnique({ where: { id: userId }, select: { id: true } });
  if (!user) throw new NotFoundError('user', userId);
  return db.prisma.apiToken.findMany({
    where: { userId },
    select: TOKEN_FIELDS,
    orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
  });
}

// A fixed id keeps seeding idempotent, even when two seeds race.
export const DEMO_ORGANIZATION_ID = '5eed0000-0000-4000-8000-000000000001';
export const DEMO_USER_EMAIL = 'ada.lovelace@demo-org.example';
// `*@placeholder.*` is how Herald recognises an address that must never receive mail.
export const SYSTEM_USER_EMAIL = 'system@placeholder.herald';

const DEMO_BRANDING = {
  name: 'Demo Org',
  logoUrl: 'https://demo-org.example/logo.png',
  brandColor: '#4f46e5',
  footerText: 'Demo Org · 1 Analytical Engine Way · You get this mail because you ran a task.',
};

/** Demo organization, demo user and placeholder system user (once), and a new demo token (each time). */
export async function seedDemo(db: Database) {
  const organization = await db.prisma.organization.upsert({
    where: { id: DEMO_ORGANIZATION_ID },
    create: { id: DEMO_ORGANIZATION_ID, ...DEMO_BRANDING },
    update: {},
    select: ORGANIZATION_FIELDS,
  });
  const upsertUser = (email: string, name: string, isSystem: boolean, role: UserRole) =>
    db.prisma.user.upsert({
      where: { organizationId_email: { organizationId: organization.id, email } },
      create: { organizationId: organization.id, email, name, isSystem, role },
      update: {},
      select: USER_FIELDS,
    });
  // The demo user administers the demo organization (its branding, in the console).
  const user = await upsertUser(DEMO_USER_EMAIL, 'Ada Lovelace', false, UserRole.admin);
  const systemUser = await upsertUser(SYSTEM_USER_EMAIL, 'Herald system', true, UserRole.member);
  const token = await createApiToken(db, { userId: user.id, name: 'demo' });
  return { organization, user, systemUser, token };
}

/** True when a PostgreSQL server accepts this URL's credentials (no query is run). */
export async function canConnectToDatabase(url: string, timeoutMs = 2_000): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: timeoutMs });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Creates the database the URL names when it does not exist yet. Returns true when it did. */
export async function createDatabaseIfMissing(url: string): Promise<boolean> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.slice(1));
  if (!name) throw new InvalidInputError(`The database URL names no database: ${target.host}`, 'url');
  const probe = new pg.Client({ connectionString: url });
  try {
    await probe.connect();
    return false;
  } catch (error) {
    // 3D000: invalid_catalog_name, i.e. the database does not exist; anything else is a real failure.
    if ((error as { code?: string }).code !== '3D000') throw error;
  } finally {
    await probe.end().catch(() => undefined);
  }
  const maintenance = new URL(url);
  maintenance.pathname = '/postgres';
  const admin = new pg.Client({ connectionString: maintenance.toString() });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${admin.escapeIdentifier(name)}`);
    return true;
  } catch (error) {
    // 42P04: duplicate_database, another process created it in the meantime.
    if ((error as { code?: string }).code === '42P04') return false;
    throw error;
  } finally {
    await admin.end();
  }
}
