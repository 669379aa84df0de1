import { clientError, isUuid, type SignedInUser } from '@commerce/service-kit';
import type { Db } from '../db.ts';
import { mayMarkRead } from '../domain/notification.ts';
import type { Notification } from '../generated/prisma/client.ts';
import { findNotification, markRead } from '../repository.ts';

/** The user read a notification. The first read time is kept: marking again changes nothing. */
export async function markNotificationRead(db: Db, user: SignedInUser, id: string): Promise<Notification> {
  const notification = isUuid(id) ? await findNotification(db, id) : null;
  if (!notification || !mayMarkRead({ kind: 'user', ...user }, notification)) {
    throw clientError('NOT_FOUND', `No notification of yours has id ${id}.`);
  }
  if (notification.readAt) return notification;
  return markRead(db, id);
}
