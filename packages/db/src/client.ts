import pg from 'pg';
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from './generated/prisma/client';
import { scopeToTenant } from './tenant-scope';

export interface DatabaseOptions {
  url: string;
  poolSize?: number;
}

export type Prisma = InstanceType<typeof PrismaClient>;
/** Same API as Prisma; every tenant model is scoped to the current tenant context. */
export type TenantPrisma = Prisma;

export interface Database {
  /** Unscoped client: for operators, authentication and the run ledger, which name their tenant. */
  prisma: Prisma;
  /** Client whose every query on tenant data is scoped to the current tenant context. */
  tenant: TenantPrisma;
  /** The pg pool behind both, for the few statements Prisma cannot batch. */
  pool: pg.Pool;
  close(): Promise<void>;
}

/** One pg pool shared by the Prisma client and Herald's batched statements. */
export function createDatabase({ url, poolSize = 10 }: DatabaseOptions): Database {
  const pool = new pg.Pool({ connectionString: url, max: poolSize, connectionTimeoutMillis: 5_000 });
  // A client that loses its connection (database restart, a proxy resetting it) must not crash
  // the process. The pool listens on idle clients only; a checked-out client (a transaction, the
  // hand-over mark) emits 'error' as well as failing its queries, so every client gets a listener
  // for its whole life. The failed query is what its caller sees, and the pool drops the client
  // when it is released.
  pool.on('error', () => undefined);
  pool.on('connect', (client) => client.on('error', () => undefined));
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
  return {
    prisma,
    tenant: scopeToTenant(prisma) as unknown as TenantPrisma,
    pool,
    async close() {
      await prisma.$disconnect();
      await pool.end();
    },
  };
}
