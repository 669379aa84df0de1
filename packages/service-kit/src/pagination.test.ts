import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor, pageSize, toConnection } from './pagination.ts';

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
    const page = toConnection(['a', 'b', 'c'], 2, (row) => row, 10);
    expect(page.edges.map((edge) => edge.node)).toEqual(['a', 'b']);
    expect(page.pageInfo).toEqual({ hasNextPage: true, endCursor: encodeCursor('b') });
    expect(page.totalCount).toBe(10);
  });

  it('an empty page has no end cursor', () => {
    expect(toConnection([], 5, (row: string) => row, 0).pageInfo).toEqual({ hasNextPage: false, endCursor: null });
  });
});
