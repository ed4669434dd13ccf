import { createUser, InvalidInputError, listUsers, updateUserRole, UserRole, USER_ROLES } from '@herald/db';
import { isFlagSet, optionalString, requiredString } from '../cli/args';
import { commandName, withDatabase, type Command } from '../cli/command';
import { UsageError } from '../cli/usage-error';

export const userCreateCommand: Command = {
  path: ['user', 'create'],
  usage: 'herald user create --org ID --email E [--name N] [--system] [--admin] [--json]',
  summary:
    'create a user in an organization (--system: a service account that is never e-mailed; --admin: may change the branding in the console)',
  flags: {
    org: { type: 'string' },
    email: { type: 'string' },
    name: { type: 'string' },
    system: { type: 'boolean' },
    admin: { type: 'boolean' },
  },
  async run(args, context) {
    const name = commandName(this);
    const input = {
      organizationId: requiredString(name, args, 'org'),
      email: requiredString(name, args, 'email'),
      name: optionalString(args, 'name'),
      isSystem: isFlagSet(args, 'system'),
      role: isFlagSet(args, 'admin') ? UserRole.admin : UserRole.member,
    };
    const user = await withDatabase(context, (db) => createUser(db, input)).catch((error: unknown) => {
      if (error instanceof InvalidInputError && error.field === 'email')
        throw new UsageError(`${name}: --email: ${error.message}`);
      throw error;
    });
    return {
      data: user,
      text: `Created user ${user.id} <${user.email}> in organization ${user.organizationId} (${user.role})`,
    };
  },
};

export const userUpdateCommand: Command = {
  path: ['user', 'update'],
  usage: `herald user update --user ID --role ${USER_ROLES.join('|')} [--json]`,
  summary: "change a user's console role (admin: may change the organization's branding)",
  flags: { user: { type: 'string' }, role: { type: 'string' } },
  async run(args, context) {
    const name = commandName(this);
    const input = { userId: requiredString(name, args, 'user'), role: requiredString(name, args, 'role') };
    const user = await withDatabase(context, (db) => updateUserRole(db, input)).catch((error: unknown) => {
      if (error instanceof InvalidInputError)
        throw new UsageError(`${name}: --${error.field}: ${error.message}`);
      throw error;
    });
    return { data: user, text: `User ${user.id} <${user.email}> is now ${user.role}` };
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
              `${user.id}  ${user.email ?? '-'}  ${user.name ?? ''}  ${user.role}${user.isSystem ? '  (system)' : ''}`,
          )
          .join('\n')
      : 'No users in this organization';
    return { data: { users }, text };
  },
};
