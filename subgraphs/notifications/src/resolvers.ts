import { clientError, signedInUser } from '@commerce/service-kit';
import { maySeeNotificationsOf } from './domain/notification.ts';
import type { Resolvers } from './generated/resolvers-types.ts';
import { findVisibleNotification, listNotifications } from './use-cases/find-notifications.ts';
import { markNotificationRead } from './use-cases/mark-notification-read.ts';

function authorise(identity: Parameters<typeof maySeeNotificationsOf>[0], userId: string) {
  if (!maySeeNotificationsOf(identity, userId)) {
    throw clientError('FORBIDDEN', "Only staff may see another user's notifications.");
  }
}

export const resolvers: Resolvers = {
  Query: {
    notification: (_parent, { id }, ctx) => findVisibleNotification(ctx.db, ctx.identity, id),
  },
  Mutation: {
    markNotificationRead: (_parent, { id }, ctx) => markNotificationRead(ctx.db, signedInUser(ctx.identity), id),
  },
  User: {
    __resolveReference: (reference) => ({ id: reference.id }),
    notifications: (user, args, ctx) => {
      authorise(ctx.identity, user.id);
      return listNotifications(ctx, user.id, args);
    },
    unreadNotificationCount: (user, _args, ctx) => {
      authorise(ctx.identity, user.id);
      return ctx.unreadCountByUser.load(user.id);
    },
  },
  NotificationConnection: {
    totalCount: (page) => page.totalCount(),
  },
  Notification: {
    readAt: (notification) => notification.readAt?.toISOString() ?? null,
    createdAt: (notification) => notification.createdAt.toISOString(),
  },
};
