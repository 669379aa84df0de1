import { createSqlPool } from '@commerce/service-kit';
import { Redis } from 'ioredis';

/**
 * Waits until catalog's storefront read model has caught up with the system's start: rebuilt
 * (its ready marker set) and holding inventory's levels of every stock row (the replay of
 * inventory's stock events after seeding reaches catalog asynchronously). Reading a product's
 * availability before that would show the 0 catalog assumes for a product it has heard nothing of.
 */
export async function untilStorefrontCaughtUp(env: Record<string, string>, timeoutMs = 60_000): Promise<void> {
  const redis = new Redis(env.REDIS_URL!, { maxRetriesPerRequest: 1 });
  const catalog = createSqlPool(env.CATALOG_DATABASE_URL!, { max: 1 });
  const inventory = createSqlPool(env.INVENTORY_DATABASE_URL!, { max: 1 });
  const count = async (pool: typeof catalog, sql: string) => Number((await pool.query<{ n: number }>(sql))[0]!.n);
  try {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const ready = (await redis.exists(`${env.QUEUE_PREFIX}:storefront:ready`)) === 1;
      // A row at version 0 was opened and never changed: inventory announced nothing of it.
      const rows = await count(inventory, 'SELECT count(*)::int AS n FROM stock_items WHERE version > 0');
      const known = await count(catalog, 'SELECT count(*)::int AS n FROM product_availability');
      if (ready && known >= rows) return;
      if (Date.now() > deadline) {
        throw new Error(
          `storefront read model not caught up in ${timeoutMs} ms (ready: ${ready}, levels ${known}/${rows})`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  } finally {
    redis.disconnect();
    await catalog.close();
    await inventory.close();
  }
}
