import { isStaff } from '@commerce/service-kit';
import type { Resolvers } from './generated/resolvers-types.ts';
import { listProducts } from './use-cases/list-products.ts';
import { archiveProduct, changeProductPrice, createProduct } from './use-cases/manage-products.ts';

export const resolvers: Resolvers = {
  Query: {
    product: async (_parent, { id }, ctx) => {
      const product = await ctx.productsById.load(id);
      return product && (product.active || isStaff(ctx.identity)) ? product : null;
    },
    products: (_parent, args, ctx) => listProducts(ctx.db, ctx.storefront, args),
    categories: (_parent, _args, ctx) => ctx.db.category.findMany({ orderBy: { name: 'asc' } }),
  },
  Mutation: {
    // Staff only: @requiresScopes in schema.graphql, enforced before a resolver runs.
    createProduct: (_parent, { input }, ctx) => createProduct(ctx.db, input),
    changeProductPrice: (_parent, { id, priceCents }, ctx) => changeProductPrice(ctx.db, id, priceCents),
    archiveProduct: (_parent, { id }, ctx) => archiveProduct(ctx.db, id),
  },
  ProductConnection: {
    totalCount: (page) => page.totalCount(),
  },
  Product: {
    // Other units keep naming products after they are archived (past orders): resolve them all.
    __resolveReference: (reference, ctx) => ctx.productsById.load(reference.id),
    // The read model carries the category and availability with the product; Postgres rows do not.
    category: (product, _args, ctx) =>
      product.category !== undefined
        ? product.category
        : product.categoryId
          ? ctx.categoriesById.load(product.categoryId)
          : null,
    // Only `available` (schema.graphql): the router asks inventory for the other levels.
    stock: async (product, _args, ctx) => ({
      available: product.available ?? (await ctx.availableById.load(product.id)),
    }),
  },
};
