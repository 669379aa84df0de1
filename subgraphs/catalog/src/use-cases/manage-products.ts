import { clientError, isUuid } from '@commerce/service-kit';
import type { Db } from '../db.ts';
import { checkNewProduct, checkPrice, type NewProduct, type Problem } from '../domain/product.ts';
import type { Product } from '../generated/prisma/client.ts';
import { archiveProductRow, DuplicateSku, insertProduct, repriceProduct } from '../repository.ts';

function rejectIf(problems: Problem[]) {
  if (problems.length > 0) {
    throw clientError('BAD_USER_INPUT', problems.map((problem) => problem.message).join(' '), { fields: problems });
  }
}

const notFound = (id: string) => clientError('NOT_FOUND', `No product has id ${id}.`);

export async function createProduct(db: Db, input: NewProduct & { categoryId?: string | null }): Promise<Product> {
  rejectIf(checkNewProduct(input));
  if (
    input.categoryId &&
    !(isUuid(input.categoryId) && (await db.category.count({ where: { id: input.categoryId } })))
  ) {
    throw clientError('BAD_USER_INPUT', `No category has id ${input.categoryId}.`);
  }
  try {
    return await insertProduct(db, {
      sku: input.sku,
      name: input.name.trim(),
      description: input.description ?? null,
      priceCents: input.priceCents,
      currency: input.currency,
      categoryId: input.categoryId ?? null,
    });
  } catch (error) {
    if (error instanceof DuplicateSku) throw clientError('CONFLICT', `A product with SKU ${input.sku} already exists.`);
    throw error;
  }
}

export async function changeProductPrice(db: Db, id: string, priceCents: number): Promise<Product> {
  rejectIf(checkPrice(priceCents));
  const product = isUuid(id) ? await repriceProduct(db, id, priceCents) : null;
  if (product === null) throw notFound(id);
  if (product === 'archived') throw clientError('CONFLICT', 'An archived product has no price to change.');
  return product;
}

export async function archiveProduct(db: Db, id: string): Promise<Product> {
  const product = isUuid(id) ? await archiveProductRow(db, id) : null;
  if (!product) throw notFound(id);
  return product;
}
