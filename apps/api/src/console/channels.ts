import { Router, type Response } from 'express';
import {
  ChannelConfigError,
  channelNameSchema,
  CHANNEL_KINDS,
  isChannelKind,
  listChannels,
  removeChannel,
  saveChannel,
  type ChannelKind,
} from '@herald/channels';
import { runInTenant } from '@herald/db';
import type { ApiContext } from '../api-context';
import { requireAdmin } from './admin-only';
import { channelFormFields, describedFacts, formToConfig, kindLabel } from './channel-form';
import { tenantOf } from './runs';
import { navOf, requireCsrf, requireUser, sessionOf } from './session';
import type { ConsoleViews } from './views';

interface PageState {
  /** The kind whose form was just posted, and what came of it. */
  kind?: ChannelKind;
  fieldError?: string;
  saved?: boolean;
  removed?: boolean;
  /** A webhook secret Herald generated: shown this once. */
  generatedSecret?: string;
}

/** The channel's name from the form: empty for the kind's default channel. */
function nameOf(body: Record<string, unknown>): { name: string } | { error: string } {
  const raw = body.channelName ?? '';
  if (raw === '') return { name: '' };
  const parsed = channelNameSchema.safeParse(typeof raw === 'string' ? raw.trim() : raw);
  return parsed.success
    ? { name: parsed.data }
    : { error: `channelName: ${parsed.error.issues[0]?.message ?? 'invalid'}` };
}

/**
 * The organization's channels (Slack, PagerDuty, ...): everyone in it sees which are set up and
 * where they lead; admins set and remove them. A secret is never shown back: inputs start empty,
 * and a saved channel shows only its description.
 */
export function channelsPageRouter(ctx: ApiContext, views: ConsoleViews): Router {
  const router = Router();
  const policy = { allowPrivateUrls: ctx.config.CHANNEL_ALLOW_PRIVATE_URLS };
  const onlyAdmins = requireAdmin(views, 'its channels');

  const show = async (res: Response, state: PageState, status = 200) => {
    const session = sessionOf(res)!;
    const channels = await runInTenant(tenantOf(session.user!), () => listChannels(ctx.db));
    const isAdmin = session.user!.role === 'admin';
    views.send(
      res,
      'channels',
      {
        title: 'Channels',
        nav: navOf(session),
        csrf: session.csrf,
        isAdmin,
        kinds: CHANNEL_KINDS.map((kind) => {
          const mine = channels.filter((channel) => channel.kind === kind);
          const isPosted = state.kind === kind;
          return {
            kind,
            label: kindLabel(kind),
            fields: channelFormFields(kind),
            channels: mine.map((channel) => ({
              name: channel.name,
              facts: describedFacts(channel),
            })),
            fieldError: isPosted ? state.fieldError : undefined,
            saved: isPosted && state.saved,
            removed: isPosted && state.removed,
            generatedSecret: isPosted ? state.generatedSecret : undefined,
          };
        }),
      },
      status,
    );
  };

  const unknownKind = (res: Response) =>
    views.message(res, 404, {
      title: 'Channel not found',
      message: `Herald has no such channel (known: ${CHANNEL_KINDS.map(kindLabel).join(', ')}).`,
      linkHref: '/app/channels',
      linkText: 'Channels',
      nav: navOf(sessionOf(res)!),
    });

  router.get('/channels', requireUser, async (_req, res) => show(res, {}));

  router.post('/channels/:kind', requireUser, requireCsrf(views), onlyAdmins, async (req, res) => {
    const kind = String(req.params.kind);
    if (!isChannelKind(kind)) return unknownKind(res);
    const fields = channelFormFields(kind);
    if (!fields) return unknownKind(res);
    const body = (req.body ?? {}) as Record<string, unknown>;
    const named = nameOf(body);
    if ('error' in named) return show(res, { kind, fieldError: named.error }, 400);
    const form = formToConfig(fields, body);
    if (!('config' in form)) return show(res, { kind, fieldError: `${form.field}: ${form.message}` }, 400);
    try {
      const saved = await runInTenant(tenantOf(sessionOf(res)!.user!), () =>
        saveChannel(ctx.db, { kind, name: named.name }, form.config, policy),
      );
      return show(res, { kind, saved: true, generatedSecret: saved.secret });
    } catch (error) {
      if (!(error instanceof ChannelConfigError)) throw error;
      const fieldError = error.issues.map((issue) => `${issue.field}: ${issue.message}`).join('; ');
      return show(res, { kind, fieldError }, 400);
    }
  });

  router.post('/channels/:kind/remove', requireUser, requireCsrf(views), onlyAdmins, async (req, res) => {
    const kind = String(req.params.kind);
    if (!isChannelKind(kind)) return unknownKind(res);
    const named = nameOf((req.body ?? {}) as Record<string, unknown>);
    const name = 'name' in named ? named.name : '';
    const removed =
      'name' in named &&
      (await runInTenant(tenantOf(sessionOf(res)!.user!), () => removeChannel(ctx.db, { kind, name })));
    if (!removed) {
      views.message(res, 404, {
        title: 'Channel not found',
        message: `Your organization has no ${kindLabel(kind)} channel${name ? ` named ${name}` : ''}.`,
        linkHref: '/app/channels',
        linkText: 'Channels',
        nav: navOf(sessionOf(res)!),
      });
      return;
    }
    return show(res, { kind, removed: true });
  });

  return router;
}
