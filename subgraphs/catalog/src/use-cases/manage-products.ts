import { clientError, isUuid } from '@commerce/service-kit';
import type { Db } from '../db.ts';
import { checkNewProduct, checkPrice, type NewProduct, type Problem } from '../domain/product.ts';
import { Prisma, type Product } from '../generated/prisma/client.ts';

function rejectIf(problems: Problem[]) {
  if (problems.length > 0) {
    throw clientError('BAD_USER_INPUT', problems.map((problem) => problem.message).join(' '), { fields: problems });
  }
}

async function existing(db: Db, id: string): Promise<Product> {
  const product = isUuid(id) ? await db.product.findUnique({ where: { id } }) : null;
  if (!product) throw clientError('NOT_FOUND', `No product has id ${id}.`);
  return product;
}

export async function createProduct(db: Db, input: NewProduct & { categoryId?: string | null }): Promise<Product> {
  rejectIf(checkNewProduct(input));
  if (
    input.categoryId &&
    !(isUuid(input.categoryId) && (await db.category.count({ where: { id: input.categoryId } })))
  ) {
    throw clientError('BAD_USER_INPUT', `No category has id ${input.categoryId}.`);
  }
  try {
    return await db.product.create({
      data: {
        sku: input.sku,
        name: input.name.trim(),
        description: input.description ?? null,
        priceCents: input.priceCents,
        currency: input.currency,
        categoryId: input.categoryId ?? null,
      },
    });
  } catch (error) {
    if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002') {
      throw clientError('CONFLICT', `A product with SKU ${input.sku} already exists.`);
    }
    throw error;
  }
}

export async function changeProductPrice(db: Db, id: string, priceCents: number): Promise<Product> {
  rejectIf(checkPrice(priceCents));
  const product = await existing(db, id);
  if (!product.active) throw clientError('CONFLICT', 'An archived product has no price to change.');
  return db.product.update({ where: { id }, data: { priceCents } });
}

export async function archiveProduct(db: Db, id: string): Promise<Product> {
  const product = await existing(db, id);
  return product.active ? db.product.update({ where: { id }, data: { active: false } }) : product;
}
