import { maySee } from './domain/payment.ts';
import type { Resolvers } from './generated/resolvers-types.ts';

export const resolvers: Resolvers = {
  Order: {
    __resolveReference: (reference) => ({ id: reference.id }),
    // The orders unit already checked the order; payments checks again from its own data.
    payment: async (order, _args, ctx) => {
      const payment = await ctx.paymentByOrderId.load(order.id);
      return payment && maySee(ctx.identity, payment) ? payment : null;
    },
  },
  Payment: {
    createdAt: (payment) => payment.createdAt.toISOString(),
  },
  Refund: {
    createdAt: (refund) => refund.createdAt.toISOString(),
  },
};
