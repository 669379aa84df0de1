// Every write of the notifications unit goes through here. Writes made for an event take the
// consumer's transaction (the one that records the event in inbox_events), so the effect and the
// inbox row commit together and a redelivery changes nothing.
import { randomUUID } from 'node:crypto';
import { emailRequested, notificationAdded } from '@commerce/events';
import { appendEvents } from '@commerce/service-kit';
import type { Db } from './db.ts';
import type { EmailContent, Message } from './domain/message.ts';
import type { Email, Notification, NotificationChannel, Prisma, Recipient } from './generated/prisma/client.ts';

type Writer = Db | Prisma.TransactionClient;

/**
 * Tells a user something: a new notification, unread, and its notifications.notification.added
 * outbox row (the user's `notificationAdded` subscription hears of it once this commits).
 */
async function sendNotification(
  tx: Prisma.TransactionClient,
  notification: { userId: string; kind: string; title: string; body: string; channel: NotificationChannel },
): Promise<Notification> {
  const row = await tx.notification.create({ data: notification });
  await appendEvents(tx, [notificationAdded.create({ notificationId: row.id, userId: row.userId, kind: row.kind })]);
  return row;
}

/**
 * Tells a user something in the app and by e-mail, in one transaction: the notification, the
 * e-mail (PENDING) and its notifications.email.requested outbox row. The e-mail is sent later by
 * this unit's own consumer, so a failing mail server never holds back the notification, and the
 * e-mail is never lost: it is in the outbox from the start.
 */
export async function notifyWithEmail(
  tx: Prisma.TransactionClient,
  recipient: Recipient,
  message: Message,
  email: EmailContent,
): Promise<{ notification: Notification; email: Email }> {
  const notification = await sendNotification(tx, { userId: recipient.userId, channel: 'IN_APP', ...message });
  const row = await tx.email.create({
    data: { id: randomUUID(), userId: recipient.userId, to: recipient.email, subject: email.subject, text: email.text },
  });
  await appendEvents(tx, [
    emailRequested.create({ emailId: row.id, userId: row.userId, to: row.to, subject: row.subject, text: row.text }),
  ]);
  return { notification, email: row };
}

/**
 * Keeps the copy of a user as accounts announced it at `announcedAt`. An event older than the
 * copy changes nothing (queues are not ordered, and a replay may overtake a registration).
 */
export async function keepRecipient(
  tx: Prisma.TransactionClient,
  recipient: { userId: string; email: string; name: string; announcedAt: Date },
): Promise<void> {
  await tx.$executeRaw`
    INSERT INTO recipients (user_id, email, name, updated_at)
    VALUES (${recipient.userId}::uuid, ${recipient.email}, ${recipient.name}, ${recipient.announcedAt})
    ON CONFLICT (user_id) DO UPDATE SET email = excluded.email, name = excluded.name, updated_at = excluded.updated_at
    WHERE recipients.updated_at <= excluded.updated_at`;
}

export function findNotification(db: Writer, id: string): Promise<Notification | null> {
  return db.notification.findUnique({ where: { id } });
}

export function findRecipient(db: Writer, userId: string): Promise<Recipient | null> {
  return db.recipient.findUnique({ where: { userId } });
}

export function findEmail(db: Writer, id: string): Promise<Email | null> {
  return db.email.findUnique({ where: { id } });
}

/** The SMTP server accepted the e-mail: never sent again. The first time stays (a later mark changes nothing). */
export async function markEmailSent(tx: Prisma.TransactionClient, id: string, sentAt: Date): Promise<void> {
  await tx.email.updateMany({ where: { id, status: 'PENDING' }, data: { status: 'SENT', sentAt } });
}

/** The user read it; a second mark keeps the first read time (conditional update, safe against a race). */
export async function markRead(db: Writer, id: string): Promise<Notification> {
  await db.notification.updateMany({ where: { id, readAt: null }, data: { readAt: new Date() } });
  return db.notification.findUniqueOrThrow({ where: { id } });
}
