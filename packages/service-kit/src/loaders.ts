import DataLoader from 'dataloader';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: string): boolean {
  return UUID.test(value);
}

/**
 * A per-request loader that fetches many rows by key in one query. Keys that cannot exist (not a
 * UUID) resolve to null without reaching the database, where they would be a type error.
 */
export function loaderByKey<Row, Key extends string = string>(
  fetch: (keys: Key[]) => Promise<Row[]>,
  keyOf: (row: Row) => Key,
): DataLoader<Key, Row | null> {
  return new DataLoader<Key, Row | null>(async (keys) => {
    const wanted = [...new Set(keys.filter(isUuid))];
    const rows = wanted.length > 0 ? await fetch(wanted) : [];
    const byKey = new Map(rows.map((row) => [keyOf(row), row]));
    return keys.map((key) => byKey.get(key) ?? null);
  });
}
