import { requireTenant, type Database } from '@herald/db';
import { channelConfigSchemas, describeChannel, isChannelKind, type ChannelKind } from './channel-config';
import { refusedChannelUrl, type ChannelUrlPolicy } from './channel-url';
import { generateWebhookSecret } from './webhook-message';

/**
 * An organization's channels as its people change them, through the API or the console: one set
 * of checks for both. Each call reads and writes the current tenant's channels only
 * (db.tenant, inside runInTenant).
 */

export interface ChannelFieldIssue {
  /** The config field at fault ("webhookUrl"), or "(body)" for the whole. */
  field: string;
  message: string;
}

/** A channel config that may not be stored: what is wrong, field by field. */
export class ChannelConfigError extends Error {
  override name = 'ChannelConfigError';
  constructor(
    message: string,
    readonly issues: ChannelFieldIssue[],
  ) {
    super(message);
  }
}

export type ChannelDescription = ReturnType<typeof describeChannel>;

/** A saved channel as its owner may see it: its description, and a webhook secret Herald generated, once. */
export type SavedChannel = ChannelDescription & { secret?: string };

const isUrlField = (field: string) => field === 'url' || field.endsWith('Url');

/** The config as the kind's schema reads it, with every URL allowed by the policy; else a ChannelConfigError. */
export function checkChannelConfig(kind: ChannelKind, body: unknown, policy: ChannelUrlPolicy) {
  const parsed = channelConfigSchemas[kind].safeParse(body ?? {});
  if (!parsed.success) {
    throw new ChannelConfigError(
      'The request is invalid',
      parsed.error.issues.map((issue) => ({
        field: issue.path.map(String).join('.') || '(body)',
        message: issue.message,
      })),
    );
  }
  const refused = Object.entries(parsed.data)
    .filter(([field]) => isUrlField(field))
    .flatMap(([field, url]) => {
      const message = typeof url === 'string' ? refusedChannelUrl(url, policy) : null;
      return message ? [{ field, message }] : [];
    });
  if (refused.length) throw new ChannelConfigError('The channel URL is not allowed', refused);
  // Every channel config is flat strings (URLs, keys, secrets): what a form or a JSON body gives.
  return parsed.data as Record<string, string | undefined>;
}

/** The tenant's channels, without their secrets: by kind, the default ('') first. */
export async function listChannels(db: Database): Promise<ChannelDescription[]> {
  const channels = await db.tenant.notificationChannel.findMany({
    orderBy: [{ kind: 'asc' }, { name: 'asc' }],
  });
  return channels.flatMap((channel) =>
    isChannelKind(channel.kind) ? [describeChannel(channel.kind, channel.config, channel.name)] : [],
  );
}

/**
 * Checks and stores (or replaces) the tenant's channel of this kind and name ('' for the default
 * one); returns it without its secrets. A webhook saved without a secret keeps the one it has (to
 * change only its URL), or gets a generated one, returned this once.
 */
export async function saveChannel(
  db: Database,
  { kind, name = '' }: { kind: ChannelKind; name?: string },
  body: unknown,
  policy: ChannelUrlPolicy,
): Promise<SavedChannel> {
  const config = checkChannelConfig(kind, body, policy);
  const { organizationId } = requireTenant('notification channel');
  let generatedSecret: string | undefined;
  if (kind === 'webhook' && config.secret === undefined) {
    const existing = await db.tenant.notificationChannel.findFirst({ where: { kind, name } });
    const kept = (existing?.config as { secret?: unknown } | undefined)?.secret;
    if (typeof kept === 'string') config.secret = kept;
    else config.secret = generatedSecret = generateWebhookSecret();
  }
  await db.tenant.notificationChannel.upsert({
    where: { organizationId_kind_name: { organizationId, kind, name } },
    create: { organizationId, kind, name, config },
    update: { config },
  });
  return { ...describeChannel(kind, config, name), ...(generatedSecret ? { secret: generatedSecret } : {}) };
}

/** Removes the tenant's channel of this kind and name; false when there was none. */
export async function removeChannel(
  db: Database,
  { kind, name = '' }: { kind: ChannelKind; name?: string },
): Promise<boolean> {
  const removed = await db.tenant.notificationChannel.deleteMany({ where: { kind, name } });
  return removed.count > 0;
}
