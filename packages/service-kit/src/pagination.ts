import { clientError } from './errors.ts';
import { isUuid } from './loaders.ts';

/**
 * Keyset ("seek") pagination, one mechanism for every list: a list is ordered by a key of one or
 * more fields that is unique per row; a cursor holds the key of the last row a client saw, and the
 * next page is the rows strictly after it. Rows added or removed meanwhile never shift a page the
 * way an offset would. Cursors are opaque to clients and name their list, so one list's cursor is
 * refused by another.
 */

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

/** The kinds of value a key field holds; each is checked when a cursor is read. */
type FieldKind = 'text' | 'uuid' | 'timestamp';
type FieldValue<Kind extends FieldKind> = Kind extends 'timestamp' ? Date : string;

export type KeyFields = Record<string, FieldKind>;
/** The key of one row: its value for each key field. */
export type Key<Fields extends KeyFields> = { [Name in keyof Fields]: FieldValue<Fields[Name]> };

export type PageRequest = { first?: number | null; after?: string | null };

/** What a use case asks its data source for: `take` rows (one more than shown) after `after`. */
export type PageQuery<Fields extends KeyFields> = { size: number; take: number; after: Key<Fields> | null };

/** A page of a connection. `totalCount` is only counted when a client asks for it. */
export type Page<Node> = {
  edges: Array<{ cursor: string; node: Node }>;
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  totalCount: () => Promise<number>;
};

export type Keyset<Fields extends KeyFields> = {
  /** Checks `first` and `after`; a bad value of either is BAD_USER_INPUT saying which. */
  parse(request: PageRequest): PageQuery<Fields>;
  cursorOf(row: Key<Fields>): string;
  /**
   * "Strictly after this key" in the list's order, as a Prisma `where` (the shape is the same for
   * every model): (a, b) after (x, y) is a ≷ x, or a = x and b ≷ y.
   */
  after(key: Key<Fields> | null): Record<string, unknown>;
  /** The order as a Prisma `orderBy`; the same fields, the same direction. */
  orderBy: Array<Record<string, 'asc' | 'desc'>>;
  /**
   * The key's values in field order, for a raw SQL row comparison: with one direction for every
   * field, "after" is `(a, b) > ($1, $2)` ascending and `<` descending.
   */
  values(key: Key<Fields> | null): Array<string | null>;
  /** Shapes the fetched rows (up to `take`) into a page: the extra row says another page follows. */
  toPage<Row extends Key<Fields>>(rows: Row[], query: PageQuery<Fields>, count: () => Promise<number>): Page<Row>;
};

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const TEXT_KEY_MAX = 200;
// Controls (C0, DEL, C1) cannot be in a key we made; Postgres refuses NUL outright.
// biome-ignore lint/suspicious/noControlCharactersInRegex: the point is to find control characters
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

function readField(kind: FieldKind, value: unknown): string | Date | null {
  if (typeof value !== 'string') return null;
  if (kind === 'uuid') return isUuid(value) ? value.toLowerCase() : null;
  if (kind === 'text') return value.length > 0 && value.length <= TEXT_KEY_MAX && !CONTROL.test(value) ? value : null;
  // Only what toISOString writes: four-digit years, so no year -200000 reaches the database.
  if (!ISO_INSTANT.test(value)) return null;
  const at = new Date(value);
  return Number.isNaN(at.getTime()) || at.toISOString() !== value ? null : at;
}

function writeField(value: string | Date): string {
  return value instanceof Date ? value.toISOString() : value;
}

/** Checks `first`: 1 to 100, default 20. */
export function pageSize(first: number | null | undefined): number {
  const size = first ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(size) || size < 1 || size > MAX_PAGE_SIZE) {
    throw clientError('BAD_USER_INPUT', `\`first\` must be between 1 and ${MAX_PAGE_SIZE}.`);
  }
  return size;
}

/**
 * A list's keyset: its name (written into its cursors), its key fields in order and their one
 * direction. E.g. newest first: `keyset('orders', { createdAt: 'timestamp', id: 'uuid' }, 'desc')`.
 */
export function keyset<Fields extends KeyFields>(
  list: string,
  fields: Fields,
  direction: 'asc' | 'desc',
): Keyset<Fields> {
  const names = Object.keys(fields) as Array<keyof Fields & string>;
  const beyond = direction === 'asc' ? 'gt' : 'lt';

  function decode(cursor: string): Key<Fields> | null {
    let parsed: unknown;
    try {
      parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    } catch {
      return null;
    }
    if (!Array.isArray(parsed) || parsed.length !== names.length + 1 || parsed[0] !== list) return null;
    const key: Record<string, string | Date> = {};
    for (const [index, name] of names.entries()) {
      const value = readField(fields[name]!, parsed[index + 1]);
      if (value === null) return null;
      key[name] = value;
    }
    return key as Key<Fields>;
  }

  const cursorOf = (row: Key<Fields>) =>
    Buffer.from(JSON.stringify([list, ...names.map((name) => writeField(row[name]))]), 'utf8').toString('base64url');

  return {
    parse(request) {
      const size = pageSize(request.first);
      if (request.after === null || request.after === undefined) return { size, take: size + 1, after: null };
      const after = decode(request.after);
      if (!after) throw clientError('BAD_USER_INPUT', `\`after\` is not a cursor from this list of ${list}.`);
      return { size, take: size + 1, after };
    },
    cursorOf,
    after(key) {
      if (!key) return {};
      // One branch per field: the fields before it equal, this one beyond.
      const branches = names.map((name, index) => ({
        ...Object.fromEntries(names.slice(0, index).map((equal) => [equal, { equals: key[equal] }])),
        [name]: { [beyond]: key[name] },
      }));
      return branches.length === 1 ? branches[0]! : { OR: branches };
    },
    orderBy: names.map((name) => ({ [name]: direction })),
    values: (key) => names.map((name) => (key ? writeField(key[name]) : null)),
    toPage(rows, query, count) {
      const shown = rows.slice(0, query.size);
      const edges = shown.map((node) => ({ cursor: cursorOf(node), node }));
      let total: Promise<number> | undefined;
      return {
        edges,
        pageInfo: { hasNextPage: rows.length > query.size, endCursor: edges.at(-1)?.cursor ?? null },
        totalCount: () => (total ??= count()),
      };
    },
  };
}

/** Lists newest first by (createdAt, id): rows made in the same millisecond still page exactly. */
export const newestFirst = (list: string) => keyset(list, { createdAt: 'timestamp', id: 'uuid' }, 'desc');
