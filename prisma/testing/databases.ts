// Throwaway databases for tests, on the local server (or the one POSTGRES_URL names).
import { randomBytes } from 'node:crypto';
import pg from 'pg';

const serverUrl = process.env.POSTGRES_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';

/** A name no other test run uses: commerce_test_prisma_<random>_<label>. */
export function uniqueDatabaseName(label: string): string {
  return `commerce_test_prisma_${randomBytes(4).toString('hex')}_${label}`;
}

export function testDatabaseUrl(database: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

export async function query<Row extends object>(database: string, sql: string, params: unknown[] = []): Promise<Row[]> {
  const client = new pg.Client({ connectionString: testDatabaseUrl(database) });
  await client.connect();
  try {
    return (await client.query<Row>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

export async function databaseExists(database: string): Promise<boolean> {
  const rows = await query<{ exists: boolean }>(
    'postgres',
    'SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1) AS exists',
    [database],
  );
  return rows[0]?.exists === true;
}

export async function dropDatabases(databases: Iterable<string>): Promise<void> {
  for (const database of databases) {
    await query('postgres', `DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
  }
}
