import type { Database, Organization, User } from '@herald/db';

/** How long an owner and organization looked up for one mail serve the next ones. */
const OWNER_CACHE_MS = 5_000;
const OWNER_CACHE_SIZE = 10_000;

export interface OwnerLookup {
  owner: User | null;
  organization: Organization | null;
}

/**
 * The owner of a delivery and their organization (branding), kept OWNER_CACHE_MS: a burst of runs
 * by one owner costs two lookups, not two per mail. Keyed by organization and user, and looked up
 * through the tenant-scoped client, so an entry never crosses organizations.
 */
export class OwnerCache {
  private readonly owners = new Map<string, { lookup: Promise<OwnerLookup>; until: number }>();

  constructor(private readonly db: Database) {}

  find(organizationId: string, userId: string): Promise<OwnerLookup> {
    const key = `${organizationId}:${userId}`;
    const cached = this.owners.get(key);
    if (cached && cached.until > Date.now()) return cached.lookup;
    const lookup = Promise.all([
      this.db.tenant.user.findUnique({ where: { id: userId } }),
      this.db.prisma.organization.findUnique({ where: { id: organizationId } }),
    ]).then(([owner, organization]) => ({ owner, organization }));
    if (this.owners.size >= OWNER_CACHE_SIZE) this.owners.clear();
    this.owners.set(key, { lookup, until: Date.now() + OWNER_CACHE_MS });
    // A failed lookup is not kept: the next mail asks again.
    lookup.catch(() => this.owners.delete(key));
    return lookup;
  }
}
