import { Router, type Request } from 'express';
import {
  ChannelConfigError,
  describeChannel,
  isChannelKind,
  listChannels,
  removeChannel,
  saveChannel,
  CHANNEL_KINDS,
  type ChannelKind,
} from '@herald/channels';
import { AppError } from '../app-error';
import type { ApiContext } from '../api-context';
import { channelNameParamsSchema } from '../openapi/requests';
import { parseRequestPart } from '../parse-request';

function kindOf(value: string) {
  if (!isChannelKind(value)) {
    throw new AppError(404, 'not_found', `Unknown channel "${value}" (known: ${CHANNEL_KINDS.join(', ')})`);
  }
  return value;
}

/** The channel a path names: `/channels/:kind` is the default one (name ''), `/channels/:kind/:name` a named one. */
function channelOf(req: Request<{ kind: string; name?: string }>): { kind: ChannelKind; name: string } {
  const kind = kindOf(req.params.kind);
  if (req.params.name === undefined) return { kind, name: '' };
  return { kind, name: parseRequestPart(channelNameParamsSchema, { name: req.params.name }, 'path').name };
}

/**
 * Slack, PagerDuty, Teams and webhook connections per organization, each kind with a default
 * channel and any number of named ones. Their secrets go in and never come out, except a webhook
 * secret Herald generated: in the answer to the PUT that created it, once.
 */
export function channelsRouter(ctx: ApiContext): Router {
  const router = Router();
  const policy = { allowPrivateUrls: ctx.config.CHANNEL_ALLOW_PRIVATE_URLS };

  router.get('/channels', async (_req, res) => {
    res.json({ data: await listChannels(ctx.db) });
  });

  const show = async (req: Request<{ kind: string; name?: string }>) => {
    const { kind, name } = channelOf(req);
    const channel = await ctx.db.tenant.notificationChannel.findFirst({ where: { kind, name } });
    if (!channel) throw AppError.notFound('Channel');
    return describeChannel(kind, channel.config, name);
  };
  router.get('/channels/:kind', async (req, res) => res.json(await show(req)));
  router.get('/channels/:kind/:name', async (req, res) => res.json(await show(req)));

  const connect = async (req: Request<{ kind: string; name?: string }>) => {
    const channel = channelOf(req);
    try {
      return await saveChannel(ctx.db, channel, req.body, policy);
    } catch (error) {
      if (!(error instanceof ChannelConfigError)) throw error;
      throw new AppError(400, 'invalid_request', error.message, error.issues);
    }
  };
  router.put('/channels/:kind', async (req, res) => res.json(await connect(req)));
  router.put('/channels/:kind/:name', async (req, res) => res.json(await connect(req)));

  const disconnect = async (req: Request<{ kind: string; name?: string }>) => {
    if (!(await removeChannel(ctx.db, channelOf(req)))) throw AppError.notFound('Channel');
  };
  router.delete('/channels/:kind', async (req, res) => {
    await disconnect(req);
    res.status(204).end();
  });
  router.delete('/channels/:kind/:name', async (req, res) => {
    await disconnect(req);
    res.status(204).end();
  });

  return router;
}
