import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor, pageSize, parseTimeCursorKey, timeCursorKey, toConnection } from './pagination.ts';

describe('pagination', () => {
  it('a cursor decodes back to its key', () => {
    expect(decodeCursor(encodeCursor('MUG-001'))).toBe('MUG-001');
  });

  it('a string that is not one of our cursors decodes to null', () => {
    expect(decodeCursor('not-a-cursor')).toBeNull();
    expect(decodeCursor('')).toBeNull();
  });

  it('page size defaults to 20 and stays within 1..100', () => {
    expect(pageSize(undefined)).toBe(20);
    expect(pageSize(100)).toBe(100);
    expect(pageSize(0)).toBeNull();
    expect(pageSize(101)).toBeNull();
  });

  it('one extra row means another page follows', () => {
    const page = toConnection(
      ['a', 'b', 'c'],
      2,
      (row) => row,
      async () => 10,
    );
    expect(page.edges.map((edge) => edge.node)).toEqual(['a', 'b']);
    expect(page.pageInfo).toEqual({ hasNextPage: true, endCursor: encodeCursor('b') });
  });

  it('an empty page has no end cursor', () => {
    expect(
      toConnection(
        [],
        5,
        (row: string) => row,
        async () => 0,
      ).pageInfo,
    ).toEqual({
      hasNextPage: false,
      endCursor: null,
    });
  });

  it('counts the total only when asked, and only once', async () => {
    let counted = 0;
    const page = toConnection(
      ['a'],
      5,
      (row) => row,
      async () => ++counted,
    );
    expect(counted).toBe(0);
    expect(await page.totalCount()).toBe(1);
    expect(await page.totalCount()).toBe(1);
    expect(counted).toBe(1);
  });

  it('a time cursor key survives the round trip; garbage does not parse', () => {
    const row = { createdAt: new Date('2026-01-02T03:04:05.678Z'), id: '7d0f9d4e-5a43-4a5e-9a52-3c1f2a7b9e10' };
    expect(parseTimeCursorKey(timeCursorKey(row))).toEqual(row);
    expect(parseTimeCursorKey('nonsense')).toBeNull();
  });
});
