import { keyset, type Page, type PageRequest } from '@commerce/service-kit';
import type { Db } from '../db.ts';
import type { Prisma, Product } from '../generated/prisma/client.ts';

export type ProductPage = Page<Product>;

export type ProductPageRequest = PageRequest & { search?: string | null };

/** Products by SKU, which is unique, so the SKU alone is the key. */
const bySku = keyset('products', { sku: 'text' }, 'asc');

/** A page of active products by SKU, optionally matching a search term. */
export async function listProducts(db: Db, request: ProductPageRequest): Promise<ProductPage> {
  const page = bySku.parse(request);
  const term = request.search?.trim();
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
