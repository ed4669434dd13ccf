import type { Organization, User } from '@herald/db';
import { createTestDatabase, type TestDatabase } from '@herald/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getPreferences, unsubscribe, updatePreferences } from './preferences';
import { createUnsubscribeToken } from './unsubscribe-token';

const SECRET = 'preferences-test-secret';

let testDb: TestDatabase;
let acme: Organization;
let other: Organization;
let ada: User;
let bob: User;

beforeAll(async () => {
  testDb = await createTestDatabase();
  const { prisma } = testDb.db;
  [acme, other] = await Promise.all([
    prisma.organization.create({ data: { name: 'Acme' } }),
    prisma.organization.create({ data: { name: 'Other' } }),
  ]);
  [ada, bob] = await Promise.all([
    prisma.user.create({ data: { organizationId: acme.id, email: 'ada@acme.test' } }),
    prisma.user.create({ data: { organizationId: acme.id, email: 'bob@acme.test' } }),
  ]);
});

afterAll(async () => {
  await testDb?.drop();
});

const tenantOf = (user: User) => ({ organizationId: user.organizationId, userId: user.id });
const storedFor = (user: User) =>
  testDb.db.prisma.notificationPreference.findUnique({ where: { userId: user.id } });

describe('notification preferences', () => {
  it('default to e-mail on and nothing muted', async () => {
    expect(await getPreferences(testDb.db, tenantOf(ada))).toEqual({ emailEnabled: true, mutedTasks: [], delivery: 'immediate', digestWindowMinutes: 60 });
  });

  it('change only the fields given, and are stored for the user in their organization', async () => {
    expect(
      await updatePreferences(testDb.db, tenantOf(ada), {
        mutedTasks: ['tests.execute', ' tests.execute ', ''],
      }),
    ).toEqual({
      emailEnabled: true,
      mutedTasks: ['tests.execute'],
      delivery: 'immediate', digestWindowMinutes: 60,
    });
    expect(await updatePreferences(testDb.db, tenantOf(ada), { emailEnabled: false })).toEqual({
      emailEnabled: false,
      mutedTasks: ['tests.execute'],
      delivery: 'immediate', digestWindowMinutes: 60,
    });
    expect(await updatePreferences(testDb.db, tenantOf(ada), { delivery: 'digest', digestWindowMinutes: 15 })).toMatchObject({
      delivery: 'digest',
      digestWindowMinutes: 15,
    });
    expect(await storedFor(ada)).toMatchObject({ organizationId: acme.id, emailEnabled: false });
    expect(await getPreferences(testDb.db, tenantOf(bob))).toEqual({ emailEnabled: true, mutedTasks: [], delivery: 'immediate', digestWindowMinutes: 60 });
  });
});

describe('unsubscribe', () => {
  it('turns e-mail off for the user the token names', async () => {
    const token = createUnsubscribeToken(tenantOf(bob), SECRET);
    expect(await unsubscribe(testDb.db, token, SECRET)).toBe(true);
    expect(await getPreferences(testDb.db, tenantOf(bob))).toMatchObject({ emailEnabled: false });
    // One-click links get clicked twice; the second time is still a success.
    expect(await unsubscribe(testDb.db, token, SECRET)).toBe(true);
  });

  it('does nothing for a tampered token, another secret, or a user outside the named organization', async () => {
    const carol = await testDb.db.prisma.user.create({
      data: { organizationId: acme.id, email: 'carol@acme.test' },
    });
    const token = createUnsubscribeToken(tenantOf(carol), SECRET);
    expect(await unsubscribe(testDb.db, `${token.slice(0, -2)}xx`, SECRET)).toBe(false);
    expect(await unsubscribe(testDb.db, token, 'not-the-secret-at-all')).toBe(false);
    const wrongOrganization = createUnsubscribeToken({ userId: carol.id, organizationId: other.id }, SECRET);
    expect(await unsubscribe(testDb.db, wrongOrganization, SECRET)).toBe(false);
    expect(await storedFor(carol)).toBeNull();
  });
});
