// Every write of the notifications unit goes through here. Writes made for an event take the
// consumer's transaction (the one that records the event in inbox_events), so the effect and the
// inbox row commit together and a redelivery changes nothing.
//
// The event path (recipients, notifications and e-mails written for an event, the e-mail
// sender's reads and marks) is parameterised SQL on `pg`: it runs for every order, and Prisma's
// query pipeline cost several times the statements it sent. The GraphQL API's reads and its
// read mark stay on Prisma. Rows come back in the shapes of Prisma's types, so callers cannot
// tell (the SQL pool's sessions are in UTC and read `timestamp` columns as UTC, as Prisma does).
import { randomUUID } from 'node:crypto';
import { emailRequested, notificationAdded } from '@commerce/events';
import { type Sql, uuidLiteral, writeWithEvents } from '@commerce/service-kit';
import type { Db } from './db.ts';
import type { EmailContent, Message } from './domain/message.ts';
import type { Email, Notification, Recipient } from './generated/prisma/client.ts';

const EMAIL = `id, user_id AS "userId", "to", subject, "text", status::text AS status,
  created_at AS "createdAt", sent_at AS "sentAt"`;
const RECIPIENT = `user_id AS "userId", email, name, updated_at AS "updatedAt"`;

/**
 * An e-mail its caller tried to send before this transaction: its id (made for the event, so every
 * attempt carries the same Message-ID), and when the SMTP server accepted it, or null when it did
 * not (it is then PENDING, for the e-mail sender to retry).
 */
export type EmailAttempt = { id: string; sentAt: Date | null };

/**
 * Tells a user something in the app and by e-mail, in one transaction: the notification (unread),
 * the e-mail and their outbox rows, notifications.notification.added (the user's
 * `notificationAdded` subscription hears of it once this commits) and, unless the caller's
 * `attempt` had the server accept it, notifications.email.requested, all in one statement. An
 * e-mail not sent yet is PENDING, and sent later by this unit's own consumer, so a failing mail
 * server never holds back the notification, and the e-mail is never lost: it is in the outbox
 * from the start. One the server accepted is SENT from the start. Ids and creation times are made
 * here, as Prisma's client made them (@default(uuid()), @default(now())), so the rows are known
 * without a read.
 */
export async function notifyWithEmail(
  tx: Sql,
  recipient: Recipient,
  message: Message,
  content: EmailContent,
  attempt?: EmailAttempt,
): Promise<{ notification: Notification; email: Email }> {
  const createdAt = new Date();
  const notification: Notification = {
    id: randomUUID(),
    userId: recipient.userId,
    channel: 'IN_APP',
    ...message,
    readAt: null,
    createdAt,
  };
  const email: Email = {
    id: attempt?.id ?? randomUUID(),
    userId: recipient.userId,
    to: recipient.email,
    subject: content.subject,
    text: content.text,
    status: attempt?.sentAt ? 'SENT' : 'PENDING',
    createdAt,
    sentAt: attempt?.sentAt ?? null,
  };
  await writeWithEvents(
    tx,
    [
      {
        text: `INSERT INTO notifications (id, user_id, kind, title, body, channel, created_at)
               VALUES ($1::uuid, $2::uuid, $3, $4, $5, $6::"NotificationChannel", $7::timestamptz)
               RETURNING 1`,
        values: [
          notification.id,
          notification.userId,
          notification.kind,
          notification.title,
          notification.body,
          notification.channel,
          createdAt,
        ],
      },
      {
        text: `INSERT INTO emails (id, user_id, "to", subject, "text", status, created_at, sent_at)
               VALUES ($1::uuid, $2::uuid, $3, $4, $5, $6::"EmailStatus", $7::timestamptz, $8::timestamptz)
               RETURNING 1`,
        values: [email.id, email.userId, email.to, email.subject, email.text, email.status, createdAt, email.sentAt],
      },
    ],
    [
      notificationAdded.create({
        notificationId: notification.id,
        userId: notification.userId,
        kind: notification.kind,
      }),
      ...(email.sentAt
        ? []
        : [
            emailRequested.create({
              emailId: email.id,
              userId: email.userId,
              to: email.to,
              subject: email.subject,
              text: email.text,
            }),
          ]),
    ],
  );
  return { notification, email };
}

/**
 * Keeps the copy of a user as accounts announced it at `announcedAt`. An event older than the
 * copy changes nothing (queues are not ordered, and a replay may overtake a registration).
 */
export async function keepRecipient(
  tx: Sql,
  recipient: { userId: string; email: string; name: string; announcedAt: Date },
): Promise<void> {
  await tx.execute(
    `INSERT INTO recipients (user_id, email, name, updated_at)
     VALUES ($1::uuid, $2, $3, $4::timestamptz)
     ON CONFLICT (user_id) DO UPDATE SET email = excluded.email, name = excluded.name, updated_at = excluded.updated_at
     WHERE recipients.updated_at <= excluded.updated_at`,
    [recipient.userId, recipient.email, recipient.name, recipient.announcedAt],
  );
}

export function findNotification(db: Db, id: string): Promise<Notification | null> {
  return db.notification.findUnique({ where: { id } });
}

/** A recipient's row, outside any transaction (a handler's outside half). */
export async function findRecipient(db: Sql, userId: string): Promise<Recipient | null> {
  const [row] = await db.query<Recipient>(`SELECT ${RECIPIENT} FROM recipients WHERE user_id = $1::uuid`, [userId]);
  return row ?? null;
}

export async function findEmail(db: Sql, id: string): Promise<Email | null> {
  const [row] = await db.query<Email>(`SELECT ${EMAIL} FROM emails WHERE id = $1::uuid`, [id]);
  return row ?? null;
}

/**
 * The SMTP server accepted the e-mail: never sent again. The first time stays (a later mark
 * changes nothing). A statement without parameters, for the consumer to send with BEGIN.
 */
export const markEmailSent = (id: string, sentAt: Date): string =>
  `UPDATE emails SET status = 'SENT', sent_at = '${sentAt.toISOString()}'::timestamptz WHERE id = ${uuidLiteral(id)} AND status = 'PENDING'`;

/** The user read it; a second mark keeps the first read time (conditional update, safe against a race). */
export async function markRead(db: Db, id: string): Promise<Notification> {
  await db.notification.updateMany({ where: { id, readAt: null }, data: { readAt: new Date() } });
  return db.notification.findUniqueOrThrow({ where: { id } });
}
