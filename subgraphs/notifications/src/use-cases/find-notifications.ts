import {
  isUuid,
  type Page,
  parseTimePage,
  type TimePage,
  type TimePageRequest,
  timeCursorKey,
  toConnection,
} from '@commerce/service-kit';
import DataLoader from 'dataloader';
import type { Context } from '../context.ts';
import type { Db } from '../db.ts';
import type { Notification } from '../generated/prisma/client.ts';

export type NotificationPage = Page<Notification>;
export type UserRef = { id: string };
export type NotificationPageKey = TimePage & { userId: string; unreadOnly: boolean };

type PageRequest = TimePageRequest & { unreadOnly?: boolean | null };

/** One user's notifications, newest first; many users' pages load together. */
export async function listNotifications(
  loaders: Pick<Context, 'notificationPages' | 'countByUser' | 'unreadCountByUser'>,
  userId: string,
  request: PageRequest,
): Promise<NotificationPage> {
  const { size, after } = parseTimePage(request);
  const unreadOnly = request.unreadOnly ?? false;
  const rows = await loaders.notificationPages.load({ userId, size: size + 1, unreadOnly, after });
  const counter = unreadOnly ? loaders.unreadCountByUser : loaders.countByUser;
  return toConnection(rows, size, timeCursorKey, () => counter.load(userId));
}

/** Batch: each user's page (own limit, cursor and filter) in one LATERAL query. */
export function notificationPagesLoader(db: Db) {
  return new DataLoader<NotificationPageKey, Notification[], string>(
    async (keys) => {
      const pages = keys.map((key, index) => ({
        index,
        user_id: isUuid(key.userId) ? key.userId : null,
        size: key.size,
        unread_only: key.unreadOnly,
        after_at: key.after?.createdAt.toISOString() ?? null,
        after_id: key.after?.id ?? null,
      }));
      const rows = await db.$queryRaw<Array<{ index: number } & RawNotification>>`
        SELECT k.index, n.id::text AS id, n.user_id::text AS user_id, n.kind, n.title, n.body,
               n.channel::text AS channel, n.read_at, n.created_at
        FROM jsonb_to_recordset(${JSON.stringify(pages)}::jsonb)
          AS k(index int, user_id uuid, size int, unread_only boolean, after_at timestamptz, after_id uuid)
        CROSS JOIN LATERAL (
          SELECT * FROM notifications
          WHERE user_id = k.user_id
            AND (NOT k.unread_only OR read_at IS NULL)
            AND (k.after_at IS NULL OR (created_at, id) < (k.after_at, k.after_id))
          ORDER BY created_at DESC, id DESC
          LIMIT k.size
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

/** Counts per user in one grouped query; `unreadOnly` counts in-app notifications not yet read. */
export function countLoader(db: Db, unreadOnly: boolean) {
  return new DataLoader<string, number>(async (userIds) => {
    const valid = [...new Set(userIds.filter(isUuid))];
    const counts =
      valid.length === 0
        ? []
        : await db.notification.groupBy({
            by: ['userId'],
            where: { userId: { in: valid }, ...(unreadOnly ? { readAt: null, channel: 'IN_APP' } : {}) },
            _count: { _all: true },
          });
    const byUser = new Map(counts.map((row) => [row.userId, row._count._all]));
    return userIds.map((id) => byUser.get(id) ?? 0);
  });
}
