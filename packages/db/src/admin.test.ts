import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createApiToken,
  createDatabaseIfMissing,
  createOrganization,
  createUser,
  DuplicateError,
  InvalidInputError,
  listOrganizations,
  listTokens,
  listUsers,
  NotFoundError,
  revokeApiToken,
  seedDemo,
  SYSTEM_USER_EMAIL,
} from './admin';
import { createTestDatabase, type TestDatabase } from './testing';
import { hashApiToken } from './tokens';

let testDb: TestDatabase;

beforeAll(async () => {
  testDb = await createTestDatabase();
});
afterAll(async () => {
  await testDb?.drop();
});

describe('organization, user and token admin', () => {
  it('creates an organization, a user and a token whose hash alone is stored', async () => {
    const { db } = testDb;
    const organization = await createOrganization(db, {
      name: 'Acme',
      brandColor: '#112233',
      footerText: 'Acme Ltd',
    });
    const user = await createUser(db, {
      organizationId: organization.id,
      email: 'Grace@Acme.example',
      name: 'Grace',
    });
    expect(user).toMatchObject({
      organizationId: organization.id,
      email: 'grace@acme.example',
      isSystem: false,
    });

    const created = await createApiToken(db, { userId: user.id, name: 'ci' });
    expect(created.token.startsWith(created.prefix)).toBe(true);
    const row = await db.prisma.apiToken.findUniqueOrThrow({ where: { id: created.id } });
    expect(row.tokenHash).toBe(hashApiToken(created.token));
    expect(JSON.stringify(row)).not.toContain(created.token);

    const tokens = await listTokens(db, user.id);
    expect(tokens).toHaveLength(1);
    expect(tokens[0]).not.toHaveProperty('tokenHash');
    expect((await listUsers(db, organization.id)).map((u) => u.id)).toEqual([user.id]);
    expect((await listOrganizations(db)).map((o) => o.name)).toContain('Acme');

    const revoked = await revokeApiToken(db, created.id);
    expect(revoked.revokedAt).toBeInstanceOf(Date);
    const again = await revokeApiToken(db, created.id);
    expect(again.revokedAt).toEqual(revoked.revokedAt);
  });

  it('names what is missing or duplicated', async () => {
    const { db } = testDb;
    const missing = '00000000-0000-4000-8000-000000000000';
    await expect(createUser(db, { organizationId: missing, email: 'a@b.example' })).rejects.toThrow(
      new NotFoundError('organization', missing),
    );
    await expect(createApiToken(db, { userId: missing })).rejects.toThrow(`No user with id ${missing}`);
    await expect(revokeApiToken(db, missing)).rejects.toBeInstanceOf(NotFoundError);

    const organization = await createOrganization(db, { name: 'Twice' });
    await createUser(db, { organizationId: organization.id, email: 'same@twice.example' });
    const duplicate = createUser(db, { organizationId: organization.id, email: 'SAME@twice.example' });
    await expect(duplicate).rejects.toBeInstanceOf(DuplicateError);
    await expect(duplicate).rejects.toThrow(/same@twice\.example already exists/);
  });

  it('rejects malformed input with a clear message', async () => {
    const { db } = testDb;
    await expect(createOrganization(db, { name: '  ' })).rejects.toBeInstanceOf(InvalidInputError);
    await expect(createOrganization(db, { name: 'X', brandColor: 'blue' })).rejects.toThrow(/Brand colour/);
    const organization = await createOrganization(db, { name: 'Y' });
    await expect(createUser(db, { organizationId: organization.id, email: 'nope' })).rejects.toThrow(
      /not an e-mail/,
    );
  });
});

describe('seedDemo', () => {
  it('is idempotent and hands out a new token each time', async () => {
    const { db } = testDb;
    const first = await seedDemo(db);
    const second = await seedDemo(db);
    expect(second.organization.id).toBe(first.organization.id);
    expect(second.user.id).toBe(first.user.id);
    expect(second.systemUser.id).toBe(first.systemUser.id);
    expect(second.token.token).not.toBe(first.token.token);

    expect(first.organization).toMatchObject({ name: 'Demo Org', brandColor: expect.stringMatching(/^#/) });
    expect(first.user).toMatchObject({
      email: 'ada.lovelace@demo-org.example',
      name: 'Ada Lovelace',
      isSystem: false,
      role: 'admin',
    });
    expect(first.systemUser).toMatchObject({ email: SYSTEM_USER_EMAIL, isSystem: true, role: 'member' });
    expect(await db.prisma.organization.count({ where: { name: 'Demo Org' } })).toBe(1);
    expect(await db.prisma.user.count({ where: { organizationId: first.organization.id } })).toBe(2);
    expect(await db.prisma.apiToken.count({ where: { userId: first.user.id } })).toBe(2);
  });
});

describe('createDatabaseIfMissing', () => {
  it('creates a missing database once', async () => {
    const url = new URL(testDb.url);
    url.pathname = `/${testDb.name}_extra`;
    try {
      expect(await createDatabaseIfMissing(url.toString())).toBe(true);
      expect(await createDatabaseIfMissing(url.toString())).toBe(false);
    } finally {
      await testDb.db.pool.query(`DROP DATABASE IF EXISTS "${testDb.name}_extra" WITH (FORCE)`);
    }
  });
});
