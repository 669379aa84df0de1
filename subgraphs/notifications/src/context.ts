import type { RequestScope } from '@commerce/service-kit';
import type DataLoader from 'dataloader';
import type { Db } from './db.ts';
import type { Notification } from './generated/prisma/client.ts';
import type { NotificationPageKey } from './use-cases/find-notifications.ts';

export type Context = RequestScope & {
  db: Db;
  notificationPages: DataLoader<NotificationPageKey, Notification[], string>;
  unreadCountByUser: DataLoader<string, number>;
  countByUser: DataLoader<string, number>;
};
