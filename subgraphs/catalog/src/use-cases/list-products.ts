import { isUuid, keyset, type Page, type PageRequest } from '@commerce/service-kit';
import type { Db } from '../db.ts';
import type { Prisma } from '../generated/prisma/client.ts';
import type { StorefrontProduct, StorefrontReadModel } from '../read-model/storefront.ts';

export type ProductPage = Page<StorefrontProduct>;

export type ProductPageRequest = PageRequest & { search?: string | null };

/** Products by SKU, which is unique, so the SKU alone is the key. */
const bySku = keyset('products', { sku: 'text' }, 'asc');

/**
 * A page of active products by SKU, optionally matching a search term. Without a term, from the
 * storefront's read model when it is ready (same order, same cursors); a search, or a model that
 * is not ready (or off), reads Postgres.
 */
export async function listProducts(
  db: Db,
  storefront: StorefrontReadModel | null,
  request: ProductPageRequest,
): Promise<ProductPage> {
  const page = bySku.parse(request);
  const term = request.search?.trim();
  if (!term && storefront) {
    const copy = await storefront.page(page.after?.sku ?? null, page.take);
    if (copy) return bySku.toPage(copy.rows, page, async () => copy.count);
  }
  const filter: Prisma.ProductWhereInput = {
    active: true,
    ...(term
      ? {
          OR: [
            { name: { contains: term, mode: 'insensitive' } },
            { sku: { contains: term, mode: 'insensitive' } },
            { description: { contains: term, mode: 'insensitive' } },
          ],
        }
      : {}),
  };
  const rows = await db.product.findMany({
    where: { AND: [filter, bySku.after(page.after)] },
    orderBy: bySku.orderBy,
    take: page.take,
  });
  return bySku.toPage(rows, page, () => db.product.count({ where: filter }));
}

/**
 * Products by id (archived ones too: other units keep naming them), in the order asked, null for
 * an unknown id: from the read model when it is ready, the ones it does not hold yet (created a
 * moment ago) from Postgres.
 */
export async function findProducts(
  db: Db,
  storefront: StorefrontReadModel | null,
  ids: readonly string[],
): Promise<Array<StorefrontProduct | null>> {
  const wanted = [...new Set(ids.filter(isUuid))];
  const found = (wanted.length > 0 && (await storefront?.products(wanted))) || new Map<string, StorefrontProduct>();
  const missing = wanted.filter((id) => !found.has(id));
  if (missing.length > 0) {
    for (const row of await db.product.findMany({ where: { id: { in: missing } } })) found.set(row.id, row);
  }
  return ids.map((id) => found.get(id) ?? null);
}
