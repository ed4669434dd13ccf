import { randomBytes } from 'node:crypto';
import { Router } from 'express';
import { z } from 'zod';
import { hashApiToken } from '@herald/db';
import type { ApiContext } from '../api-context';
import { sendSignInMail } from './sign-in-mail';
import { endSession, requireCsrf, sessionOf, startSession } from './session';
import type { ConsoleViews } from './views';

export const SIGN_IN_LINK_MINUTES = 15;
/** Sign-in mails per address, and sign-in requests per IP, in each window. */
export const SIGN_IN_PER_ADDRESS = 5;
export const SIGN_IN_PER_IP = 20;
const SIGN_IN_WINDOW_SECONDS = 15 * 60;

const emailSchema = z
  .string()
  .trim()
  .toLowerCase()
  .max(320)
  .regex(/^[^\s@]+@[^\s@]+$/, 'expected an e-mail address');
const tokenSchema = z.string().regex(/^[A-Za-z0-9_-]{20,100}$/);

/** Magic-link sign-in, the organization choice and sign-out. */
export function signInRouter(ctx: ApiContext, views: ConsoleViews): Router {
  const router = Router();
  const signInPage = (email = '', fieldError?: string) => ({ title: 'Sign in', email, fieldError });

  router.get('/sign-in', (_req, res) => views.send(res, 'sign-in', signInPage()));

  router.post('/sign-in', async (req, res) => {
    const parsed = emailSchema.safeParse((req.body as Record<string, unknown>).email);
    if (!parsed.success) {
      views.send(
        res,
        'sign-in',
        signInPage('', 'email: expected an e-mail address, e.g. ada@example.com'),
        400,
      );
      return;
    }
    const email = parsed.data;
    const prefix = `${ctx.queues.prefix}:rate:console-sign-in`;
    const byIp = await ctx.store.hitRateLimit(
      `${prefix}:ip:${req.ip ?? 'unknown'}`,
      SIGN_IN_PER_IP,
      SIGN_IN_WINDOW_SECONDS,
    );
    const byAddress = await ctx.store.hitRateLimit(
      `${prefix}:address:${hashApiToken(email)}`,
      SIGN_IN_PER_ADDRESS,
      SIGN_IN_WINDOW_SECONDS,
    );
    if (!byIp.allowed || !byAddress.allowed) {
      const wait = Math.max(
        byIp.allowed ? 0 : byIp.retryAfterSeconds,
        byAddress.allowed ? 0 : byAddress.retryAfterSeconds,
      );
      res.set('retry-after', String(wait));
      views.message(res, 429, {
        title: 'Too many sign-in requests',
        message: `Please wait ${Math.ceil(wait / 60)} minute(s) before asking for another link.`,
      });
      return;
    }
    const known = await ctx.db.prisma.user.count({ where: { email, isSystem: false } });
    if (known > 0) {
      const token = randomBytes(32).toString('base64url');
      await ctx.db.prisma.signInLink.create({
        data: {
          email,
          tokenHash: hashApiToken(token),
          expiresAt: new Date(Date.now() + SIGN_IN_LINK_MINUTES * 60_000),
        },
      });
      // Not awaited: the answer must take as long for an unknown address as for a known one.
      sendSignInMail(ctx.transport, ctx.config, ctx.logger, {
        to: email,
        link: `${ctx.config.CONSOLE_URL}/app/sign-in/${token}`,
      }).catch((error: unknown) => ctx.logger.warn({ err: error }, 'could not mail a console sign-in link'));
    }
    views.message(res, 200, {
      title: 'Check your inbox',
      message: `If ${email} belongs to a Herald user, a sign-in link is on its way. It works once, for ${SIGN_IN_LINK_MINUTES} minutes.`,
    });
  });

  // A GET only shows a button: mail scanners that open links cannot use up the link.
  router.get('/sign-in/:token', (req, res) => {
    if (!tokenSchema.safeParse(req.params.token).success)
      return badLink(res, 'This sign-in link is not valid.');
    views.send(res, 'confirm-sign-in', { title: 'Sign in', token: req.params.token });
  });

  router.post('/sign-in/:token', async (req, res) => {
    if (!tokenSchema.safeParse(req.params.token).success)
      return badLink(res, 'This sign-in link is not valid.');
    const tokenHash = hashApiToken(req.params.token);
    // One statement: of two clicks racing, one gets the row.
    const used = await ctx.db.prisma.signInLink.updateManyAndReturn({
      where: { tokenHash, usedAt: null, expiresAt: { gt: new Date() } },
      data: { usedAt: new Date() },
    });
    const link = used[0];
    if (!link) {
      const row = await ctx.db.prisma.signInLink.findUnique({ where: { tokenHash } });
      if (!row) return badLink(res, 'This sign-in link is not valid.');
      return badLink(
        res,
        row.usedAt ? 'This sign-in link has already been used.' : 'This sign-in link has expired.',
      );
    }
    const users = await ctx.db.prisma.user.findMany({
      where: { email: link.email, isSystem: false },
      select: { id: true },
    });
    await endSession(ctx.db, ctx.config, res, sessionOf(res));
    await startSession(ctx.db, ctx.config, res, link.email, users.length === 1 ? users[0]!.id : null);
    res.redirect(303, users.length === 1 ? '/app/runs' : '/app/orgs');
  });

  router.get('/orgs', async (_req, res) => {
    const session = sessionOf(res);
    if (!session) return res.redirect(303, '/app/sign-in');
    const users = await ctx.db.prisma.user.findMany({
      where: { email: session.email, isSystem: false },
      include: { organization: { select: { name: true } } },
      orderBy: { createdAt: 'asc' },
    });
    views.send(res, 'orgs', {
      title: 'Choose an organization',
      csrf: session.csrf,
      choices: users.map((user) => ({
        userId: user.id,
        organization: user.organization.name,
        current: user.id === session.user?.id,
      })),
    });
  });

  router.post('/orgs', requireCsrf(views), async (req, res) => {
    const session = sessionOf(res)!;
    const userId = (req.body as Record<string, unknown>).userId;
    const user =
      typeof userId === 'string' && userId.length <= 100
        ? await ctx.db.prisma.user.findFirst({ where: { id: userId, email: session.email, isSystem: false } })
        : null;
    if (!user) {
      views.message(res, 400, {
        title: 'Choose an organization',
        message: 'userId: pick one of the organizations listed.',
        linkHref: '/app/orgs',
        linkText: 'Back',
      });
      return;
    }
    await ctx.db.prisma.consoleSession.update({ where: { id: session.id }, data: { userId: user.id } });
    res.redirect(303, '/app/runs');
  });

  router.post('/sign-out', requireCsrf(views), async (_req, res) => {
    await endSession(ctx.db, ctx.config, res, sessionOf(res));
    views.message(res, 200, {
      title: 'Signed out',
      message: 'You are signed out of Herald.',
      linkHref: '/app/sign-in',
      linkText: 'Sign in again',
    });
  });

  function badLink(res: Parameters<typeof views.send>[0], message: string): void {
    views.message(res, 400, {
      title: 'Sign-in link not usable',
      message: `${message} Ask for a new one below.`,
      offerSignIn: true,
    });
  }

  return router;
}
