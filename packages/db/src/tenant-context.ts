import { AsyncLocalStorage } from 'node:async_hooks';

export interface Tenant {
  organizationId: string;
  userId: string;
}

const storage = new AsyncLocalStorage<Tenant>();

/** Runs fn with `tenant` as the current tenant; db.tenant scopes every query to it. */
export function runInTenant<T>(tenant: Tenant, fn: () => T): T {
  return storage.run(tenant, fn);
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
