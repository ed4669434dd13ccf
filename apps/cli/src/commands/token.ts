import { createApiToken, listTokens, revokeApiToken } from '@herald/db';
import { optionalString, requiredString } from '../cli/args';
import { commandName, withDatabase, type Command } from '../cli/command';

export const tokenCreateCommand: Command = {
  path: ['token', 'create'],
  usage: 'herald token create --user ID [--name N] [--json]',
  summary: 'create an API token for a user; prints {"token": ...} once (only its sha-256 is stored)',
  flags: { user: { type: 'string' }, name: { type: 'string' } },
  async run(args, context) {
    const userId = requiredString(commandName(this), args, 'user');
    const created = await withDatabase(context, (db) =>
      createApiToken(db, { userId, name: optionalString(args, 'name') }),
    );
    context.log.info({ tokenId: created.id, userId }, 'API token created: it is shown once, store it now');
    // The token is printed as JSON either way: scripts capture it, and it is never shown again.
    return { data: { ...created }, text: JSON.stringify(created, null, 2) };
  },
};

export const tokenRevokeCommand: Command = {
  path: ['token', 'revoke'],
  usage: 'herald token revoke ID [--json]',
  summary: 'revoke an API token (idempotent)',
  flags: {},
  positionals: { min: 1, max: 1 },
  async run(args, context) {
    const id = args.positionals[0] ?? '';
    const token = await withDatabase(context, (db) => revokeApiToken(db, id));
    return {
      data: { id: token.id, revokedAt: token.revokedAt },
      text: `Revoked token ${token.id} (${token.prefix}…) at ${token.revokedAt?.toISOString()}`,
    };
  },
};

export const tokenListCommand: Command = {
  path: ['token', 'list'],
  usage: 'herald token list --user ID [--json]',
  summary: "list a user's tokens (prefixes only; tokens are never stored)",
  flags: { user: { type: 'string' } },
  async run(args, context) {
    const userId = requiredString(commandName(this), args, 'user');
    const tokens = await withDatabase(context, (db) => listTokens(db, userId));
    const text = tokens.length
      ? tokens
          .map(
            (t) =>
              `${t.id}  ${t.prefix}…  ${t.name}${t.revokedAt ? `  revoked ${t.revokedAt.toISOString()}` : ''}`,
          )
          .join('\n')
      : 'No tokens for this user';
    return { data: { tokens }, text };
  },
};
