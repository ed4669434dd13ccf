import { createUser, InvalidInputError, listUsers } from '@herald/db';
import { isFlagSet, optionalString, requiredString } from '../cli/args';
import { commandName, withDatabase, type Command } from '../cli/command';
import { UsageError } from '../cli/usage-error';

export const userCreateCommand: Command = {
  path: ['user', 'create'],
  usage: 'herald user create --org ID --email E [--name N] [--system] [--json]',
  summary: 'create a user in an organization (--system: a service account that is never e-mailed)',
  flags: {
    org: { type: 'string' },
    email: { type: 'string' },
    name: { type: 'string' },
    system: { type: 'boolean' },
  },
  async run(args, context) {
    const name = commandName(this);
    const input = {
      organizationId: requiredString(name, args, 'org'),
      email: requiredString(name, args, 'email'),
      name: optionalString(args, 'name'),
      isSystem: isFlagSet(args, 'system'),
    };
    const user = await withDatabase(context, (db) => createUser(db, input)).catch((error: unknown) => {
      if (error instanceof InvalidInputError && error.field === 'email')
        throw new UsageError(`${name}: --email: ${error.message}`);
      throw error;
    });
    return {
      data: user,
      text: `Created user ${user.id} <${user.email}> in organization ${user.organizationId}`,
    };
  },
};

export const userListCommand: Command = {
  path: ['user', 'list'],
  usage: 'herald user list --org ID [--json]',
  summary: "list an organization's users",
  flags: { org: { type: 'string' } },
  async run(args, context) {
    const organizationId = requiredString(commandName(this), args, 'org');
    const users = await withDatabase(context, (db) => listUsers(db, organizationId));
    const text = users.length
      ? users
          .map(
            (user) =>
              `${user.id}  ${user.email ?? '-'}  ${user.name ?? ''}${user.isSystem ? '  (system)' : ''}`,
          )
          .join('\n')
      : 'No users in this organization';
    return { data: { users }, text };
  },
};
