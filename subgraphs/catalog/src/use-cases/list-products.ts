import { clientError, decodeCursor, type Page, pageSize, toConnection } from '@commerce/service-kit';
import type { Db } from '../db.ts';
import type { Prisma, Product } from '../generated/prisma/client.ts';

export type ProductPage = Page<Product>;

export type ProductPageRequest = { first?: number | null; after?: string | null; search?: string | null };

/** A page of active products by SKU, optionally matching a search term. */
export async function listProducts(db: Db, request: ProductPageRequest): Promise<ProductPage> {
  const size = pageSize(request.first);
  if (size === null) throw clientError('BAD_USER_INPUT', '`first` must be between 1 and 100.');
  const afterSku = request.after ? decodeCursor(request.after) : null;
  if (request.after && afterSku === null)
    throw clientError('BAD_USER_INPUT', '`after` is not a cursor from this list.');

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
    where: afterSku ? { AND: [filter, { sku: { gt: afterSku } }] } : filter,
    orderBy: { sku: 'asc' },
    take: size + 1,
  });
  return toConnection(
    rows,
    size,
    (product) => product.sku,
    () => db.product.count({ where: filter }),
  );
}
