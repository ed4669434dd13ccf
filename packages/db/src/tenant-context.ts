import { AsyncLocalStorage } from 'node:async_hooks';

export interface Tenant {
  organizationId: string;
  userId: string;
}

const storage = new AsyncLocalStorage<Tenant>();

/**
 * Runs fn with `tenant` as the current tenant; db.tenant scopes every query to it. A Prisma
 * query runs only when awaited, so a returned query is started here, inside the context.
 */
export function runInTenant<T>(tenant: Tenant, fn: () => T): T {
  return storage.run(tenant, () => {
    const result = fn();
    if (result && typeof (result as { then?: unknown }).then === 'function') {
      const thenable = result as unknown as PromiseLike<unknown>;
      return new Promise((resolve, reject) => {
        thenable.then(resolve, reject);
      }) as unknown as T;
    }
    return result;
  });
}

export function currentTenant(): Tenant | undefined {
  return storage.getStore();
}

export class MissingTenantError extends Error {
  override name = 'MissingTenantError';
  constructor(model: string) {
    super(`A query on ${model} ran outside a tenant context`);
  }
}

export function requireTenant(model = 'tenant data'): Tenant {
  const tenant = storage.getStore();
  if (!tenant) throw new MissingTenantError(model);
  return tenant;
}
