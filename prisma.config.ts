import { defineConfig } from 'prisma/config';

// Used by `prisma generate` only. Migrations are applied by `herald migrate`
// (packages/db/src/migrate.ts): the Prisma CLI's migrate commands need a native
// schema engine that is not published on the npm registry.
export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
});
