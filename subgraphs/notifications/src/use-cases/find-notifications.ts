import {
  clientError,
  type Identity,
  isUuid,
  newestFirst,
  type Page,
  type PageQuery,
  type PageRequest,
} from '@commerce/service-kit';
import DataLoader from 'dataloader';
import type { Context } from '../context.ts';
import type { Db } from '../db.ts';
import { maySeeNotificationsOf } from '../domain/notification.ts';
import { type Notification, Prisma } from '../generated/prisma/client.ts';
import { findNotification } from '../repository.ts';

export type NotificationPage = Page<Notification>;
export type UserRef = { id: string };

const notificationList = newestFirst('notifications');
export type NotificationPageKey = {
  userId: string;
  unreadOnly: boolean;
  take: number;
  after: PageQuery<{ createdAt: 'timestamp'; id: 'uuid' }>['after'];
};

/**
 * What "unread" means, written once for the page, its totalCount and unreadNotificationCount: an
 * in-app notification not yet marked read. E-mails are never marked read, so they are not unread.
 */
const UNREAD = Prisma.sql`(read_at IS NULL AND channel = 'IN_APP')`;

/** One notification, for the user it was sent to or for staff: anyone else gets NOT_FOUND. */
export async function findVisibleNotification(db: Db, identity: Identity, id: string): Promise<Notification> {
  const notification = isUuid(id) ? await findNotification(db, id) : null;
  if (!notification || !maySeeNotificationsOf(identity, notification.userId)) {
    throw clientError('NOT_FOUND', `No notification of yours has id ${id}.`);
  }
  return notification;
}

/** One user's notifications, newest first; many users' pages load together. */
export async function listNotifications(
  loaders: Pick<Context, 'notificationPages' | 'countByUser' | 'unreadCountByUser'>,
  userId: string,
  request: PageRequest & { unreadOnly?: boolean | null },
): Promise<NotificationPage> {
  const page = notificationList.parse(request);
  const unreadOnly = request.unreadOnly ?? false;
  const rows = await loaders.notificationPages.load({ userId, unreadOnly, take: page.take, after: page.after });
  const counter = unreadOnly ? loaders.unreadCountByUser : loaders.countByUser;
  return notificationList.toPage(rows, page, () => counter.load(userId));
}

/**
 * Batch: each user's page (own limit, cursor and filter) in one LATERAL query; `<` on the row is
 * "after" newest first, as notificationList.after says for Prisma.
 */
export function notificationPagesLoader(db: Db) {
  return new DataLoader<NotificationPageKey, Notification[], string>(
    async (keys) => {
      const pages = keys.map((key, index) => {
        const [afterAt, afterId] = notificationList.values(key.after);
        return {
          index,
          user_id: isUuid(key.userId) ? key.userId : null,
          take: key.take,
          unread_only: key.unreadOnly,
          after_at: afterAt,
          after_id: afterId,
        };
      });
      const rows = await db.$queryRaw<Array<{ index: number } & RawNotification>>`
        SELECT k.index, n.id::text AS id, n.user_id::text AS user_id, n.kind, n.title, n.body,
               n.channel::text AS channel, n.read_at, n.created_at
        FROM jsonb_to_recordset(${JSON.stringify(pages)}::jsonb)
          AS k(index int, user_id uuid, take int, unread_only boolean, after_at timestamptz, after_id uuid)
        CROSS JOIN LATERAL (
          SELECT * FROM notifications
          WHERE user_id = k.user_id
            AND (NOT k.unread_only OR ${UNREAD})
            AND (k.after_at IS NULL OR (created_at, id) < (k.after_at, k.after_id))
          ORDER BY created_at DESC, id DESC
          LIMIT k.take
        ) n
        ORDER BY k.index, n.created_at DESC, n.id DESC`;
      return keys.map((_key, index) => rows.filter((row) => row.index === index).map(fromRow));
    },
    { cacheKeyFn: (key) => JSON.stringify(key) },
  );
}

type RawNotification = {
  id: string;
  user_id: string;
  kind: string;
  title: string;
  body: string;
  channel: Notification['channel'];
  read_at: Date | null;
  created_at: Date;
};

function fromRow(row: RawNotification): Notification {
  return {
    id: row.id,
    userId: row.user_id,
    kind: row.kind,
    title: row.title,
    body: row.body,
    channel: row.channel,
    readAt: row.read_at,
    createdAt: row.created_at,
  };
}

/** Counts per user in one grouped query, with the same filter as the pages. */
export function countLoader(db: Db, unreadOnly: boolean) {
  return new DataLoader<string, number>(async (userIds) => {
    const valid = [...new Set(userIds.filter(isUuid))];
    const counts =
      valid.length === 0
        ? []
        : await db.$queryRaw<Array<{ user_id: string; count: number }>>`
            SELECT user_id::text AS user_id, count(*)::int AS count FROM notifications
            WHERE user_id = ANY(${valid}::uuid[]) AND (${unreadOnly ? UNREAD : Prisma.sql`TRUE`})
            GROUP BY user_id`;
    const byUser = new Map(counts.map((row) => [row.user_id, row.count]));
    return userIds.map((id) => byUser.get(id) ?? 0);
  });
}
