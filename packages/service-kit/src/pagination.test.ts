import { describe, expect, it } from 'vitest';
import { keyset, newestFirst, pageSize } from './pagination.ts';

const bySku = keyset('products', { sku: 'text' }, 'asc');
const orders = newestFirst('orders');
const row = { createdAt: new Date('2026-01-02T03:04:05.678Z'), id: '7d0f9d4e-5a43-4a5e-9a52-3c1f2a7b9e10' };
const cursorOfValues = (...values: unknown[]) => Buffer.from(JSON.stringify(values), 'utf8').toString('base64url');

function refusal(run: () => unknown) {
  try {
    run();
  } catch (error) {
    return { code: (error as { extensions?: { code?: string } }).extensions?.code, message: (error as Error).message };
  }
  return null;
}

describe('keyset pagination', () => {
  it('a cursor reads back as the key of its row', () => {
    expect(orders.parse({ after: orders.cursorOf(row) }).after).toEqual(row);
    expect(bySku.parse({ after: bySku.cursorOf({ sku: 'MUG-001' }) }).after).toEqual({ sku: 'MUG-001' });
  });

  it('a key is read back as written: an upper-case UUID in lower case, a 200-character text key whole', () => {
    const upper = cursorOfValues('orders', '2026-01-02T03:04:05.678Z', row.id.toUpperCase());
    expect(orders.parse({ after: upper }).after).toEqual(row);
    const long = 'x'.repeat(200);
    expect(bySku.parse({ after: cursorOfValues('products', long) }).after).toEqual({ sku: long });
    expect(bySku.parse({ after: cursorOfValues('products', 'MUG\u00a0001 ☕') }).after).toEqual({
      sku: 'MUG\u00a0001 ☕',
    });
  });

  it('page size defaults to 20 and stays within 1..100; one extra row is fetched', () => {
    expect(pageSize(undefined)).toBe(20);
    expect(pageSize(1)).toBe(1);
    expect(pageSize(100)).toBe(100);
    expect(orders.parse({ first: 7 })).toEqual({ size: 7, take: 8, after: null });
    expect(orders.parse({ first: 7, after: null })).toEqual({ size: 7, take: 8, after: null });
    expect(orders.parse({ first: 7, after: orders.cursorOf(row) })).toEqual({ size: 7, take: 8, after: row });
    for (const first of [0, -1, 101, 2.5]) {
      expect(refusal(() => pageSize(first))).toEqual({
        code: 'BAD_USER_INPUT',
        message: '`first` must be between 1 and 100.',
      });
    }
  });

  it.each([
    ['an empty string', orders, ''],
    ['random base64', orders, 'bm90IGEgY3Vyc29yIGF0IGFsbA'],
    ['a cursor of another list', orders, bySku.cursorOf({ sku: 'MUG-001' })],
    [
      'a cursor of another list keyed alike',
      bySku,
      keyset('categories', { slug: 'text' }, 'asc').cursorOf({ slug: 'mugs' }),
    ],
    ['a non-UUID id', orders, cursorOfValues('orders', '2026-01-02T03:04:05.678Z', "1' OR '1'='1")],
    ['the year -200000', orders, cursorOfValues('orders', '-200000-01-01T00:00:00.000Z', row.id)],
    ['an impossible date', orders, cursorOfValues('orders', '2026-02-31T00:00:00.000Z', row.id)],
    ['a number for a date', orders, cursorOfValues('orders', 1767323045678, row.id)],
    ['a missing field', orders, cursorOfValues('orders', '2026-01-02T03:04:05.678Z')],
    ['a NUL byte in a text key', bySku, cursorOfValues('products', 'MUG\u0000')],
    ['an empty text key', bySku, cursorOfValues('products', '')],
    ['an old-style cursor', bySku, Buffer.from('k:MUG-001').toString('base64url')],
    ['the month 13', orders, cursorOfValues('orders', '2026-13-01T00:00:00.000Z', row.id)],
    ['a year of five digits', orders, cursorOfValues('orders', '+020026-01-02T03:04:05.678Z', row.id)],
    ['an extra field', orders, cursorOfValues('orders', '2026-01-02T03:04:05.678Z', row.id, row.id)],
    ['a text key over 200 characters', bySku, cursorOfValues('products', 'x'.repeat(201))],
    ['a unit separator in a text key', bySku, cursorOfValues('products', 'MUG\u001f')],
    ['a DEL in a text key', bySku, cursorOfValues('products', 'MUG\u007f')],
    ['a C1 control in a text key', bySku, cursorOfValues('products', 'MUG\u009f')],
    ['a text key in a list', bySku, cursorOfValues('products', ['MUG-001'])],
    ['a UUID in a list', orders, cursorOfValues('orders', '2026-01-02T03:04:05.678Z', [row.id])],
    [
      'an object shaped like the array',
      bySku,
      Buffer.from(JSON.stringify({ 0: 'products', 1: 'MUG-001', length: 2 })).toString('base64url'),
    ],
  ])('%s as `after` is BAD_USER_INPUT naming the argument', (_case, list, after) => {
    const name = list === bySku ? 'products' : 'orders';
    expect(refusal(() => list.parse({ after }))).toEqual({
      code: 'BAD_USER_INPUT',
      message: `\`after\` is not a cursor from this list of ${name}.`,
    });
  });

  it('"after" a compound key: a later time, or the same time and a later id, in the list\'s direction', () => {
    expect(orders.after(row)).toEqual({
      OR: [{ createdAt: { lt: row.createdAt } }, { createdAt: { equals: row.createdAt }, id: { lt: row.id } }],
    });
    expect(bySku.after({ sku: 'MUG-001' })).toEqual({ sku: { gt: 'MUG-001' } });
    expect(orders.after(null)).toEqual({});
    expect(orders.orderBy).toEqual([{ createdAt: 'desc' }, { id: 'desc' }]);
    expect(orders.values(row)).toEqual([row.createdAt.toISOString(), row.id]);
    expect(orders.values(null)).toEqual([null, null]);
  });

  it('one extra row means another page follows; an exactly full page without it is the last', () => {
    const rows = ['a', 'b', 'c'].map((sku) => ({ sku }));
    const query = bySku.parse({ first: 2 });
    const more = bySku.toPage(rows, query, async () => 3);
    expect(more.edges.map((edge) => edge.node.sku)).toEqual(['a', 'b']);
    expect(more.pageInfo).toEqual({ hasNextPage: true, endCursor: bySku.cursorOf({ sku: 'b' }) });
    const last = bySku.toPage(rows.slice(0, 2), query, async () => 2);
    expect(last.pageInfo).toEqual({ hasNextPage: false, endCursor: bySku.cursorOf({ sku: 'b' }) });
  });

  it("the end cursor is the last shown row's", () => {
    const rows = ['a', 'b', 'c', 'd'].map((sku) => ({ sku }));
    const page = bySku.toPage(rows, bySku.parse({ first: 3 }), async () => 4);
    expect(page.pageInfo).toEqual({ hasNextPage: true, endCursor: bySku.cursorOf({ sku: 'c' }) });
  });

  it('an empty page has no end cursor', () => {
    expect(bySku.toPage([], bySku.parse({ first: 5 }), async () => 0).pageInfo).toEqual({
      hasNextPage: false,
      endCursor: null,
    });
  });

  it('counts the total only when asked, and only once', async () => {
    let counted = 0;
    const page = bySku.toPage([{ sku: 'a' }], bySku.parse({ first: 5 }), async () => ++counted);
    expect(counted).toBe(0);
    expect(await page.totalCount()).toBe(1);
    expect(await page.totalCount()).toBe(1);
    expect(counted).toBe(1);
  });
});
