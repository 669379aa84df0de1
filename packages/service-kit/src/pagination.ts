import { clientError } from './errors.ts';

/** Relay-style pages over a list ordered by a unique key. Cursors are opaque to clients. */

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

export function encodeCursor(key: string): string {
  return Buffer.from(`k:${key}`, 'utf8').toString('base64url');
}

/** The key a cursor points at, or null when the cursor was not made by encodeCursor. */
export function decodeCursor(cursor: string): string | null {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  return text.startsWith('k:') && text.length > 2 ? text.slice(2) : null;
}

export function pageSize(first: number | null | undefined): number | null {
  const size = first ?? DEFAULT_PAGE_SIZE;
  return Number.isInteger(size) && size >= 1 && size <= MAX_PAGE_SIZE ? size : null;
}

/** A page of a connection. `totalCount` is only counted when a client asks for it. */
export type Page<Node> = {
  edges: Array<{ cursor: string; node: Node }>;
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  totalCount: () => Promise<number>;
};

/** Rows fetched with one extra row tell whether another page follows. */
export function toConnection<Row>(
  rows: Row[],
  size: number,
  keyOf: (row: Row) => string,
  count: () => Promise<number>,
): Page<Row> {
  const page = rows.slice(0, size);
  const edges = page.map((node) => ({ cursor: encodeCursor(keyOf(node)), node }));
  let total: Promise<number> | undefined;
  return {
    edges,
    pageInfo: { hasNextPage: rows.length > size, endCursor: edges.at(-1)?.cursor ?? null },
    totalCount: () => (total ??= count()),
  };
}

/**
 * Keys for lists ordered newest first by (createdAt, id): the cursor holds both, so rows created
 * in the same millisecond still page without gaps or repeats.
 */
export function timeCursorKey(row: { createdAt: Date; id: string }): string {
  return `${row.createdAt.toISOString()}|${row.id}`;
}

export function parseTimeCursorKey(key: string): { createdAt: Date; id: string } | null {
  const [at, id] = key.split('|');
  const createdAt = new Date(at ?? '');
  return id && !Number.isNaN(createdAt.getTime()) ? { createdAt, id } : null;
}

export type TimePageRequest = { first?: number | null; after?: string | null };
export type TimePage = { size: number; after: { createdAt: Date; id: string } | null };

/** Checks `first` and `after` of a newest-first list; bad input is BAD_USER_INPUT. */
export function parseTimePage(request: TimePageRequest): TimePage {
  const size = pageSize(request.first);
  if (size === null) throw clientError('BAD_USER_INPUT', '`first` must be between 1 and 100.');
  if (!request.after) return { size, after: null };
  const key = decodeCursor(request.after);
  const after = key ? parseTimeCursorKey(key) : null;
  if (!after) throw clientError('BAD_USER_INPUT', '`after` is not a cursor from this list.');
  return { size, after };
}
