import type { PrismaClient } from './generated/prisma/client';
import { requireTenant } from './tenant-context';

/** Models that belong to an organization: every query on them is scoped to the tenant. */
const TENANT_MODELS = new Set([
  'User',
  'ApiToken',
  'TaskRun',
  'NotificationDelivery',
  'NotificationPreference',
  'Schedule',
  'AlertState',
  'NotificationChannel',
  'EmailSuppression',
]);

type Args = Record<string, unknown>;

function withOrganization(where: unknown, organizationId: string): Args {
  return { ...((where as Args | undefined) ?? {}), organizationId };
}

/**
 * Rule: code that serves a tenant (API handlers, tasks, the notification worker) uses this
 * client, so a forgotten `where organizationId` cannot read or write another tenant's rows.
 * Reads and updates get `organizationId` added to their filter; creates get it set.
 */
export function scopeToTenant(prisma: InstanceType<typeof PrismaClient>) {
  return prisma.$extends({
    name: 'tenant-scope',
    query: {
      $allModels: {
        async $allOperations({ model, operation, args, query }) {
          if (!TENANT_MODELS.has(model)) return query(args);
          const { organizationId } = requireTenant(model);
          const scoped: Args = { ...(args as Args) };
          switch (operation) {
            case 'create':
              scoped.data = { ...(scoped.data as Args), organizationId };
              break;
            case 'createMany':
            case 'createManyAndReturn': {
              const data = scoped.data as Args | Args[];
              scoped.data = Array.isArray(data)
                ? data.map((row) => ({ ...row, organizationId }))
                : { ...data, organizationId };
              break;
            }
            case 'upsert':
              scoped.where = withOrganization(scoped.where, organizationId);
              scoped.create = { ...(scoped.create as Args), organizationId };
              break;
            default:
              scoped.where = withOrganization(scoped.where, organizationId);
          }
          return query(scoped);
        },
      },
    },
  });
}
