import { seedDemo } from '@herald/db';
import { withDatabase, type Command } from '../cli/command';

export const seedCommand: Command = {
  path: ['seed'],
  usage: 'herald seed [--json]',
  summary: 'create the demo organization, demo user and placeholder system user; print a new demo token once',
  flags: {},
  async run(_args, context) {
    const seeded = await withDatabase(context, (db) => seedDemo(db));
    const data = {
      organization: seeded.organization,
      user: seeded.user,
      systemUser: seeded.systemUser,
      token: { id: seeded.token.id, token: seeded.token.token, prefix: seeded.token.prefix },
    };
    const text = [
      `Organization  ${seeded.organization.id}  ${seeded.organization.name}`,
      `User          ${seeded.user.id}  ${seeded.user.name} <${seeded.user.email}>`,
      `System user   ${seeded.systemUser.id}  ${seeded.systemUser.email} (never e-mailed)`,
      `API token     ${seeded.token.token}`,
      '              shown once: store it now (Authorization: Bearer <token>)',
    ].join('\n');
    return { data, text };
  },
};
