import { hashApiToken } from '@herald/db';
import { createTestDatabase, type TestDatabase } from '@herald/db/testing';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { parseOneJson, runHerald } from './testing/run-herald';

// Each test runs the CLI several times as a child process; on a busy machine that is slow.
vi.setConfig({ testTimeout: 120_000 });

let testDb: TestDatabase;
const inTestDb = () => ({ DATABASE_URL: testDb.url });

beforeAll(async () => {
  testDb = await createTestDatabase();
});
afterAll(async () => {
  await testDb?.drop();
});

describe('herald org, user and token', () => {
  it('creates an organization, a user and a token whose row keeps only the hash; revoke sets revokedAt', async () => {
    const org = await runHerald(
      ['org', 'create', '--name', 'Acme', '--brand-color', '#123456', '--json'],
      inTestDb(),
    );
    expect(org.code).toBe(0);
    const organization = parseOneJson(org.stdout);
    expect(organization).toMatchObject({ name: 'Acme', brandColor: '#123456' });

    const created = await runHerald(
      [
        'user',
        'create',
        '--org',
        String(organization.id),
        '--email',
        'grace@acme.example',
        '--name',
        'Grace',
        '--json',
      ],
      inTestDb(),
    );
    expect(created.code).toBe(0);
    const user = parseOneJson(created.stdout);
    expect(user).toMatchObject({
      organizationId: organization.id,
      email: 'grace@acme.example',
      isSystem: false,
    });

    const issued = await runHerald(
      ['token', 'create', '--user', String(user.id), '--name', 'ci', '--json'],
      inTestDb(),
    );
    expect(issued.code).toBe(0);
    const token = parseOneJson(issued.stdout);
    expect(token.token).toMatch(/^hrld_/);
    const row = await testDb.db.prisma.apiToken.findUniqueOrThrow({ where: { id: String(token.id) } });
    expect(row).toMatchObject({
      userId: user.id,
      organizationId: organization.id,
      name: 'ci',
      revokedAt: null,
    });
    expect(row.tokenHash).toBe(hashApiToken(String(token.token)));
    expect(Object.values(row).map(String)).not.toContain(token.token);

    const revoked = await runHerald(['token', 'revoke', String(token.id), '--json'], inTestDb());
    expect(revoked.code).toBe(0);
    expect(parseOneJson(revoked.stdout)).toMatchObject({ id: token.id });
    const after = await testDb.db.prisma.apiToken.findUniqueOrThrow({ where: { id: String(token.id) } });
    expect(after.revokedAt).toBeInstanceOf(Date);
  });

  it('gives users a console role: --admin on create, --role on update, a clear error for a bad role', async () => {
    const organization = parseOneJson(
      (await runHerald(['org', 'create', '--name', 'Roles', '--json'], inTestDb())).stdout,
    );
    const admin = parseOneJson(
      (
        await runHerald(
          [
            'user',
            'create',
            '--org',
            String(organization.id),
            '--email',
            'a@roles.example',
            '--admin',
            '--json',
          ],
          inTestDb(),
        )
      ).stdout,
    );
    expect(admin.role).toBe('admin');
    const member = parseOneJson(
      (
        await runHerald(
          ['user', 'create', '--org', String(organization.id), '--email', 'm@roles.example', '--json'],
          inTestDb(),
        )
      ).stdout,
    );
    expect(member.role).toBe('member');
    const promoted = await runHerald(
      ['user', 'update', '--user', String(member.id), '--role', 'admin', '--json'],
      inTestDb(),
    );
    expect(promoted.code).toBe(0);
    expect(parseOneJson(promoted.stdout)).toMatchObject({ id: member.id, role: 'admin' });
    const bad = await runHerald(
      ['user', 'update', '--user', String(member.id), '--role', 'owner'],
      inTestDb(),
    );
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('--role: Role must be one of member, admin (got "owner")');
  });

  it('prints exactly one JSON object with --json, logs going to stderr', async () => {
    const result = await runHerald(['org', 'list', '--json'], { ...inTestDb(), LOG_LEVEL: 'debug' });
    expect(result.code).toBe(0);
    expect(parseOneJson(result.stdout)).toHaveProperty('organizations');
  });

  it('names an unknown organization', async () => {
    const missing = '00000000-0000-4000-8000-000000000000';
    const result = await runHerald(
      ['user', 'create', '--org', missing, '--email', 'x@y.example', '--json'],
      inTestDb(),
    );
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr.trim()).toBe(`No organization with id ${missing}`);
  });
});

describe('bad arguments and bad configuration', () => {
  it('exits 2 with one line naming an unknown flag', async () => {
    const result = await runHerald(['org', 'create', '--nme', 'Acme'], inTestDb());
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain('--nme');
  });

  it('exits 2 naming a missing required flag or a bad value', async () => {
    const missing = await runHerald(['user', 'create', '--email', 'a@b.example'], inTestDb());
    expect(missing.code).toBe(2);
    expect(missing.stderr.trim()).toBe('herald user create: --org is required');
    const badColour = await runHerald(['org', 'create', '--name', 'X', '--brand-color', 'blue'], inTestDb());
    expect(badColour.code).toBe(2);
    expect(badColour.stderr).toContain('--brand-color');
  });

  it.each([
    ['SMTP_PORT', 'abc'],
    ['REDIS_URL', 'nonsense'],
  ])('exits 1 with one line naming %s=%s', async (variable, value) => {
    const result = await runHerald(['migrate'], { ...inTestDb(), [variable]: value });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(variable);
  });
});

describe('herald migrate and seed', () => {
  it('applies the migrations once; the second run applies nothing', async () => {
    const fresh = await createTestDatabase({ migrate: false });
    try {
      const first = await runHerald(['migrate', '--json'], { DATABASE_URL: fresh.url });
      expect(first.code).toBe(0);
      const firstResult = parseOneJson(first.stdout);
      expect((firstResult.applied as string[]).length).toBeGreaterThan(0);
      const second = await runHerald(['migrate', '--json'], { DATABASE_URL: fresh.url });
      expect(second.code).toBe(0);
      expect(parseOneJson(second.stdout)).toMatchObject({ applied: [], alreadyApplied: firstResult.applied });
    } finally {
      await fresh.drop();
    }
  });

  it('seeds twice without complaint; the system user has a placeholder address', async () => {
    const first = await runHerald(['seed', '--json'], inTestDb());
    const second = await runHerald(['seed', '--json'], inTestDb());
    expect([first.code, second.code]).toEqual([0, 0]);
    const [a, b] = [parseOneJson(first.stdout), parseOneJson(second.stdout)];
    expect(b.organization).toEqual(a.organization);
    expect((b.token as { token: string }).token).not.toBe((a.token as { token: string }).token);

    const systemUser = await testDb.db.prisma.user.findFirstOrThrow({ where: { isSystem: true } });
    expect(systemUser.email).toBe('system@placeholder.herald');
    const demoUser = await testDb.db.prisma.user.findFirstOrThrow({
      where: { email: 'ada.lovelace@demo-org.example' },
    });
    expect(demoUser).toMatchObject({ name: 'Ada Lovelace', isSystem: false });
    expect(await testDb.db.prisma.organization.count({ where: { name: 'Demo Org' } })).toBe(1);
  });
});
