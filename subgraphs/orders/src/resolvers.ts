import { clientError, signedInUser } from '@commerce/service-kit';
import { lineTotalCents, maySee, maySeeOrdersOf } from './domain/order.ts';
import type { Resolvers } from './generated/resolvers-types.ts';
import { cancelOrder, refundOrder } from './use-cases/change-order.ts';
import { listCustomerOrders, listOrders } from './use-cases/find-orders.ts';
import { placeOrder } from './use-cases/place-order.ts';

export const resolvers: Resolvers = {
  Query: {
    order: async (_parent, { id }, ctx) => {
      const order = await ctx.ordersById.load(id);
      // Someone else's order looks exactly like one that does not exist.
      if (!order || !maySee(ctx.identity, order)) throw clientError('NOT_FOUND', `No order has id ${id}.`);
      return order;
    },
    orders: (_parent, args, ctx) => listOrders(ctx.db, args),
  },
  Mutation: {
    placeOrder: (_parent, { input }, ctx) => placeOrder(ctx.sql, ctx.saga, signedInUser(ctx.identity).userId, input),
    cancelOrder: (_parent, { id }, ctx) => cancelOrder(ctx.sql, signedInUser(ctx.identity).userId, id),
    refundOrder: (_parent, { id, reason }, ctx) => refundOrder(ctx.sql, signedInUser(ctx.identity).userId, id, reason),
  },
  Order: {
    __resolveReference: async (reference, ctx) => {
      const order = await ctx.ordersById.load(reference.id);
      return order && maySee(ctx.identity, order) ? order : null;
    },
    customer: (order) => ({ id: order.customerId }),
    createdAt: (order) => order.createdAt.toISOString(),
    updatedAt: (order) => order.updatedAt.toISOString(),
    timeline: (order, _args, ctx) => ctx.timelineByOrderId.load(order.id),
  },
  OrderItem: {
    product: (item) => ({ id: item.productId }),
    lineTotalCents: (item) => lineTotalCents(item),
  },
  OrderTimelineEntry: {
    at: (entry) => entry.at.toISOString(),
  },
  OrderConnection: {
    totalCount: (page) => page.totalCount(),
  },
  User: {
    __resolveReference: (reference) => ({ id: reference.id }),
    orders: (user, args, ctx) => {
      if (!maySeeOrdersOf(ctx.identity, user.id))
        throw clientError('FORBIDDEN', "Only staff may see another user's orders.");
      return listCustomerOrders(ctx, user.id, args);
    },
  },
};
