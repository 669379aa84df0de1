// Every write of the notifications unit goes through here. Writes made for an event take the
// consumer's transaction (the one that records the event in inbox_events), so the effect and the
// inbox row commit together and a redelivery changes nothing.
import type { Db } from './db.ts';
import type { Notification, NotificationChannel, Prisma } from './generated/prisma/client.ts';

type Writer = Db | Prisma.TransactionClient;

/** Tells a user something: a new notification, unread. */
export function sendNotification(
  db: Writer,
  notification: { userId: string; kind: string; title: string; body: string; channel: NotificationChannel },
): Promise<Notification> {
  return db.notification.create({ data: notification });
}

/** The user read it; a second mark keeps the first read time (conditional update, safe against a race). */
export async function markRead(db: Writer, id: string): Promise<Notification> {
  await db.notification.updateMany({ where: { id, readAt: null }, data: { readAt: new Date() } });
  return db.notification.findUniqueOrThrow({ where: { id } });
}
