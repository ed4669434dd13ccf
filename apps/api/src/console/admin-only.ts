import type { RequestHandler } from 'express';
import { navOf, sessionOf } from './session';
import type { ConsoleViews } from './views';

/**
 * For what only an organization's admins may do (its channels, its branding). A member is told
 * so on a 403 page rather than a 404: the page exists for their organization, and "ask an admin"
 * is the useful answer. A 404 stays what it is elsewhere: another organization's data.
 */
export function requireAdmin(views: ConsoleViews, what: string): RequestHandler {
  return (req, res, next) => {
    const session = sessionOf(res);
    if (session?.user?.role === 'admin') return next();
    views.message(res, 403, {
      title: 'Admins only',
      message: `Only your organization's admins can change ${what}.${req.method === 'POST' ? ' Nothing was changed.' : ''}`,
      linkHref: '/app/runs',
      linkText: 'Your runs',
      nav: session ? navOf(session) : undefined,
    });
  };
}
