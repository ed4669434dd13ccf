import type { RequestHandler, Response } from 'express';
import type { Logger } from 'pino';
import { hashApiToken, runInTenant, type Database, type Tenant } from '@herald/db';
import { AppError } from './app-error';

/** A token seen within this window is trusted without a lookup; revocation takes effect after it. */
const TOKEN_CACHE_MS = 5_000;
/** lastUsedAt is written at most this often per token, not once per request. */
const LAST_USED_WRITE_MS = 60_000;

interface CachedToken {
  tokenId: string;
  tenant: Tenant;
  cachedUntil: number;
}

export interface Auth extends Tenant {
  tokenId: string;
}

export function getAuth(res: Response): Auth {
  const auth = res.locals.auth as Auth | undefined;
  if (!auth) throw AppError.unauthorized();
  return auth;
}

/**
 * Bearer-token authentication: the token is looked up by its sha-256 (the lookup is by hash,
 * so no comparison of secrets happens in JS); revoked and expired tokens are refused. The rest
 * of the request runs in the token's tenant context.
 */
export function authenticate(db: Database, logger: Logger): RequestHandler {
  const cache = new Map<string, CachedToken>();
  const lastWritten = new Map<string, number>();
  // One database lookup per token at a time: when an entry expires under load, the requests
  // that arrive meanwhile share the lookup instead of each making their own.
  const inFlight = new Map<string, Promise<CachedToken | null>>();

  function lookup(hash: string): Promise<CachedToken | null> {
    const cached = cache.get(hash);
    if (cached && cached.cachedUntil > Date.now()) return Promise.resolve(cached);
    let pending = inFlight.get(hash);
    if (!pending) {
      pending = findToken(hash).finally(() => inFlight.delete(hash));
      inFlight.set(hash, pending);
    }
    return pending;
  }

  async function findToken(hash: string): Promise<CachedToken | null> {
    const token = await db.prisma.apiToken.findUnique({ where: { tokenHash: hash } });
    const now = new Date();
    if (!token || token.revokedAt || (token.expiresAt && token.expiresAt <= now)) {
      cache.delete(hash);
      return null;
    }
    const entry = {
      tokenId: token.id,
      tenant: { organizationId: token.organizationId, userId: token.userId },
      cachedUntil: Math.min(Date.now() + TOKEN_CACHE_MS, token.expiresAt?.getTime() ?? Infinity),
    };
    if (cache.size > 10_000) cache.clear();
    cache.set(hash, entry);
    return entry;
  }

  function touch(tokenId: string): void {
    const last = lastWritten.get(tokenId) ?? 0;
    if (Date.now() - last < LAST_USED_WRITE_MS) return;
    lastWritten.set(tokenId, Date.now());
    db.prisma.apiToken
      .update({ where: { id: tokenId }, data: { lastUsedAt: new Date() } })
      .catch((error: unknown) => logger.warn({ err: error }, 'could not record token use'));
  }

  return (req, res, next) => {
    const header = req.headers.authorization ?? '';
    const match = /^Bearer ([A-Za-z0-9_\-.~+/=]{10,200})$/.exec(header);
    if (!match?.[1]) return next(AppError.unauthorized());
    lookup(hashApiToken(match[1]))
      .then((entry) => {
        if (!entry) return next(AppError.unauthorized('The API token is invalid, expired or revoked'));
        touch(entry.tokenId);
        res.locals.auth = { ...entry.tenant, tokenId: entry.tokenId } satisfies Auth;
        runInTenant(entry.tenant, () => next());
      })
      .catch(next);
  };
}
