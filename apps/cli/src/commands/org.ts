import { createOrganization, InvalidInputError, listOrganizations } from '@herald/db';
import { optionalString, requiredString } from '../cli/args';
import { commandName, withDatabase, type Command } from '../cli/command';
import { UsageError } from '../cli/usage-error';

const FLAG_OF_FIELD: Record<string, string> = {
  name: '--name',
  logoUrl: '--logo-url',
  brandColor: '--brand-color',
  footerText: '--footer',
};

export const orgCreateCommand: Command = {
  path: ['org', 'create'],
  usage: 'herald org create --name N [--logo-url U] [--brand-color #RRGGBB] [--footer TEXT] [--json]',
  summary: 'create an organization (tenant) with optional e-mail branding',
  flags: {
    name: { type: 'string' },
    'logo-url': { type: 'string' },
    'brand-color': { type: 'string' },
    footer: { type: 'string' },
  },
  async run(args, context) {
    const name = commandName(this);
    const input = {
      name: requiredString(name, args, 'name'),
      logoUrl: optionalString(args, 'logo-url'),
      brandColor: optionalString(args, 'brand-color'),
      footerText: optionalString(args, 'footer'),
    };
    const organization = await withDatabase(context, (db) => createOrganization(db, input)).catch(
      (error: unknown) => {
        if (error instanceof InvalidInputError && FLAG_OF_FIELD[error.field]) {
          throw new UsageError(`${name}: ${FLAG_OF_FIELD[error.field]}: ${error.message}`);
        }
        throw error;
      },
    );
    return { data: organization, text: `Created organization ${organization.id} (${organization.name})` };
  },
};

export const orgListCommand: Command = {
  path: ['org', 'list'],
  usage: 'herald org list [--json]',
  summary: 'list organizations',
  flags: {},
  async run(_args, context) {
    const organizations = await withDatabase(context, (db) => listOrganizations(db));
    const text = organizations.length
      ? organizations.map((org) => `${org.id}  ${org.name}`).join('\n')
      : 'No organizations yet (herald org create --name N, or herald seed)';
    return { data: { organizations }, text };
  },
};
