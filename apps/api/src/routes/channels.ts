import { Router } from 'express';
import {
  channelConfigSchemas,
  describeChannel,
  isChannelKind,
  refusedChannelUrl,
  CHANNEL_KINDS,
} from '@herald/channels';
import { AppError } from '../app-error';
import type { ApiContext } from '../api-context';
import { getAuth } from '../auth';

function kindOf(value: string) {
  if (!isChannelKind(value)) {
    throw new AppError(404, 'not_found', `Unknown channel "${value}" (known: ${CHANNEL_KINDS.join(', ')})`);
  }
  return value;
}

/** Slack and PagerDuty connections per organization. Their secrets go in and never come out. */
export function channelsRouter(ctx: ApiContext): Router {
  const router = Router();

  router.get('/channels', async (_req, res) => {
    const channels = await ctx.db.tenant.notificationChannel.findMany({ orderBy: { kind: 'asc' } });
    res.json({
      data: channels
        .filter((c) => isChannelKind(c.kind))
        .map((c) => describeChannel(c.kind as never, c.config)),
    });
  });

  router.put('/channels/:kind', async (req, res) => {
    const auth = getAuth(res);
    const kind = kindOf(req.params.kind);
    const config = channelConfigSchemas[kind].parse(req.body ?? {});
    const policy = { allowPrivateUrls: ctx.config.CHANNEL_ALLOW_PRIVATE_URLS };
    const urls = Object.entries(config).filter(([field]) => field.endsWith('Url'));
    const refused = urls.flatMap(([field, url]) => {
      const message = typeof url === 'string' ? refusedChannelUrl(url, policy) : null;
      return message ? [{ field, message }] : [];
    });
    if (refused.length) throw new AppError(400, 'invalid_request', 'The channel URL is not allowed', refused);
    await ctx.db.tenant.notificationChannel.upsert({
      where: { organizationId_kind: { organizationId: auth.organizationId, kind } },
      create: { organizationId: auth.organizationId, kind, config },
      update: { config },
    });
    res.json(describeChannel(kind, config));
  });

  router.delete('/channels/:kind', async (req, res) => {
    const kind = kindOf(req.params.kind);
    const removed = await ctx.db.tenant.notificationChannel.deleteMany({ where: { kind } });
    if (!removed.count) throw AppError.notFound('Channel');
    res.status(204).end();
  });

  return router;
}
