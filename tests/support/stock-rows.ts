import { connectDb as connectInventory } from '../../subgraphs/inventory/src/db.ts';

/**
 * Waits until inventory has opened the stock row of a product catalog just created (it hears
 * `catalog.product.created` asynchronously): before that, a restock of it is NOT_FOUND.
 */
export async function untilStockRowOpened(env: Record<string, string>, productIds: string[], timeoutMs = 15_000) {
  const db = connectInventory(env.INVENTORY_DATABASE_URL!);
  try {
    const deadline = Date.now() + timeoutMs;
    while ((await db.stockItem.count({ where: { productId: { in: productIds } } })) < productIds.length) {
      if (Date.now() > deadline) throw new Error(`inventory opened no stock row for ${productIds} in ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  } finally {
    await db.$disconnect();
  }
}
