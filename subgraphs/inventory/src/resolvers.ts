import { signedInUser } from '@commerce/service-kit';
import { available, NO_STOCK } from './domain/stock.ts';
import type { Resolvers } from './generated/resolvers-types.ts';
import { restock } from './use-cases/restock.ts';

export const resolvers: Resolvers = {
  Mutation: {
    restock: (_parent, { productId, quantity }, ctx) =>
      restock(ctx.db, productId, quantity, signedInUser(ctx.identity).userId),
  },
  Product: {
    __resolveReference: (reference) => ({ id: reference.id }),
    // Batched: a page of 50 products costs one query for all their stock.
    stock: async (product, _args, ctx) => (await ctx.stockByProductId.load(product.id)) ?? NO_STOCK,
  },
  Stock: {
    available: (stock) => available(stock),
  },
};
