import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { hashApiToken, type Database } from '@herald/db';
import type { Config } from '@herald/config';
import type { ConsoleViews, PageNav } from './views';

export const SESSION_COOKIE = 'herald_console';
const CSRF_PURPOSE = 'herald:console-csrf:v1';

export interface ConsoleUser {
  id: string;
  email: string;
  organizationId: string;
  organizationName: string;
  role: string;
}

export interface ConsoleSessionState {
  id: string;
  email: string;
  tokenHash: string;
  csrf: string;
  /** null until the person picks one of their organizations. */
  user: ConsoleUser | null;
  /** How many organizations the address belongs to. */
  organizations: number;
}

export function sessionOf(res: Response): ConsoleSessionState | null {
  return (res.locals.consoleSession as ConsoleSessionState | undefined) ?? null;
}

/** The session's CSRF token: derived from the cookie's hash, so it needs no storage and dies with the session. */
export function csrfTokenFor(tokenHash: string, secret: string): string {
  return createHmac('sha256', secret).update(`${CSRF_PURPOSE}.${tokenHash}`).digest('base64url');
}

export function isValidCsrf(given: unknown, expected: string): boolean {
  if (typeof given !== 'string') return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

export function navOf(session: ConsoleSessionState): PageNav | undefined {
  if (!session.user) return undefined;
  return {
    organization: session.user.organizationName,
    csrf: session.csrf,
    canSwitch: session.organizations > 1,
    isAdmin: session.user.role === 'admin',
  };
}

function cookieOptions(config: Config) {
  return {
    httpOnly: true,
    secure: config.CONSOLE_URL.startsWith('https:'),
    sameSite: 'lax' as const,
    path: '/app',
  };
}

/** Starts a session for an address (and its user, when the address has only one); sets the cookie. */
export async function startSession(
  db: Database,
  config: Config,
  res: Response,
  email: string,
  userId: string | null,
): Promise<void> {
  const token = randomBytes(32).toString('base64url');
  const maxAge = config.CONSOLE_SESSION_HOURS * 3_600_000;
  await db.prisma.consoleSession.create({
    data: { tokenHash: hashApiToken(token), email, userId, expiresAt: new Date(Date.now() + maxAge) },
  });
  res.cookie(SESSION_COOKIE, token, { ...cookieOptions(config), maxAge });
}

export async function endSession(
  db: Database,
  config: Config,
  res: Response,
  session: ConsoleSessionState | null,
): Promise<void> {
  if (session) await db.prisma.consoleSession.deleteMany({ where: { id: session.id } });
  res.clearCookie(SESSION_COOKIE, cookieOptions(config));
}

/** Reads the session cookie (if any) into res.locals; an expired or unknown one is ignored. */
export function loadSession(db: Database, config: Config): RequestHandler {
  return (req, res, next) => {
    const token = (req.cookies as Record<string, unknown> | undefined)?.[SESSION_COOKIE];
    if (typeof token !== 'string' || token.length > 200) return next();
    const tokenHash = hashApiToken(token);
    db.prisma.consoleSession
      .findUnique({ where: { tokenHash }, include: { user: { include: { organization: true } } } })
      .then(async (row) => {
        if (!row || row.expiresAt <= new Date()) return next();
        const organizations = await db.prisma.user.count({ where: { email: row.email, isSystem: false } });
        const user = row.user;
        res.locals.consoleSession = {
          id: row.id,
          email: row.email,
          tokenHash,
          csrf: csrfTokenFor(tokenHash, config.HERALD_SECRET),
          organizations,
          user: user
            ? {
                id: user.id,
                email: row.email,
                organizationId: user.organizationId,
                organizationName: user.organization.name,
                role: user.role,
              }
            : null,
        } satisfies ConsoleSessionState;
        next();
      })
      .catch(next);
  };
}

/** A page that needs a session in one organization: otherwise to sign-in, or to the organization choice. */
export function requireUser(req: Request, res: Response, next: NextFunction): void {
  const session = sessionOf(res);
  if (!session) return res.redirect(303, `/app/sign-in`);
  if (!session.user) return res.redirect(303, '/app/orgs');
  next();
}

/** Every form that changes something carries the session's CSRF token; a post without it changes nothing. */
export function requireCsrf(views: ConsoleViews): RequestHandler {
  return (req, res, next) => {
    const session = sessionOf(res);
    const given = (req.body as Record<string, unknown> | undefined)?._csrf;
    if (session && isValidCsrf(given, session.csrf)) return next();
    views.message(res, 403, {
      title: 'This form has expired',
      message: 'Nothing was changed. Go back, reload the page and try again.',
      linkHref: '/app/runs',
      linkText: 'Back to your runs',
    });
  };
}
