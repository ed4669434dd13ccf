import { Router } from 'express';
import { unsubscribe, verifyUnsubscribeToken } from '@herald/email';
import type { ApiContext } from '../api-context';

const page = (title: string, message: string) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${title}</title>
<style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem;color:#1f2937}
h1{font-size:1.4rem}button{background:#4f46e5;color:#fff;border:0;border-radius:6px;padding:.6rem 1.2rem;font-size:1rem;cursor:pointer}</style>
</head><body><h1>${title}</h1>${message}</body></html>`;

/**
 * One-click unsubscribe (RFC 8058): mail clients POST here without a login; a person following
 * the link gets a page with a button (a GET never changes anything, so link scanners cannot
 * unsubscribe anyone).
 */
export function unsubscribeRouter(ctx: ApiContext): Router {
  const router = Router();

  router.get('/unsubscribe/:token', (req, res) => {
    res.type('text/html').send(
      page(
        'Unsubscribe from Herald e-mails',
        `<p>You will no longer get e-mails when your tasks finish. You can turn them back on in your <a href="/app/preferences">notification preferences</a>.</p>
<form method="post"><button type="submit">Unsubscribe</button></form>`,
      ),
    );
  });

  router.post('/unsubscribe/:token', async (req, res) => {
    const done = await unsubscribe(ctx.db, req.params.token, ctx.config.HERALD_SECRET);
    if (!done) {
      res
        .status(404)
        .type('text/html')
        .send(page('Link not valid', '<p>This unsubscribe link is not valid or has expired.</p>'));
      return;
    }
    const wantsHtml = req.accepts(['json', 'html']) === 'html';
    // An address outside the organization's users has no preferences to point to.
    const scope = verifyUnsubscribeToken(req.params.token, ctx.config.HERALD_SECRET);
    if (wantsHtml && scope && 'address' in scope)
      res
        .type('text/html')
        .send(
          page('You are unsubscribed', '<p>This address will no longer get these e-mails from Herald.</p>'),
        );
    else if (wantsHtml)
      res
        .type('text/html')
        .send(
          page(
            'You are unsubscribed',
            '<p>You will no longer get task e-mails from Herald. Change this any time in your <a href="/app/preferences">notification preferences</a>.</p>',
          ),
        );
    else res.json({ unsubscribed: true });
  });

  return router;
}
