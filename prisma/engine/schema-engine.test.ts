import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, expect, test } from 'vitest';
import { databaseExists, dropDatabases, testDatabaseUrl, uniqueDatabaseName } from '../testing/databases.ts';
import { run } from '../tools/run.ts';
import { prismaRoot } from '../tools/units.ts';
import { offlineSchemaEnginePath } from './index.ts';

const UNREACHABLE_URL = 'postgresql://postgres@127.0.0.1:1/commerce_test_prisma_unreachable';
const createdDatabases = new Set<string>();

afterAll(() => dropDatabases(createdDatabases));

function newDatabaseName(label: string): string {
  const name = uniqueDatabaseName(label);
  createdDatabases.add(name);
  return name;
}

function engineCli(url: string, command: string) {
  return run(offlineSchemaEnginePath, ['--datasource', JSON.stringify({ url }), 'cli', command]);
}

/** The ERROR the engine logged, read as the Prisma CLI reads it: every stderr line after the first is JSON. */
function loggedError(stderr: string): { error_code?: string; message: string } | undefined {
  const entries = stderr
    .trim()
    .split('\n')
    .slice(1)
    .map((line) => JSON.parse(line));
  return entries.find((entry) => entry.level === 'ERROR' && entry.target === 'schema_engine::logger')?.fields;
}

test('--version names the prisma-engines build of the wasm module', async () => {
  const version = await run(offlineSchemaEnginePath, ['--version']);
  expect(version.exitCode).toBe(0);
  expect(version.stdout.trim()).toMatch(/^schema-engine-cli [0-9a-f]{40}$/);
});

test('cli create-database creates the database named in the URL and prints its name', async () => {
  const name = newDatabaseName('created');
  const creation = await engineCli(testDatabaseUrl(name), 'create-database');
  expect(creation.exitCode).toBe(0);
  expect(JSON.parse(creation.stdout)).toEqual({ database_name: name });
  expect(await databaseExists(name)).toBe(true);
});

test('cli create-database refuses a database that exists, with P1009', async () => {
  const name = newDatabaseName('twice');
  expect((await engineCli(testDatabaseUrl(name), 'create-database')).exitCode).toBe(0);
  const second = await engineCli(testDatabaseUrl(name), 'create-database');
  expect(second.exitCode).toBe(1);
  expect(loggedError(second.stderr)?.error_code).toBe('P1009');
});

test('cli can-connect-to-database: success for an existing database, P1003 for a missing one', async () => {
  const existing = newDatabaseName('present');
  await engineCli(testDatabaseUrl(existing), 'create-database');
  expect((await engineCli(testDatabaseUrl(existing), 'can-connect-to-database')).exitCode).toBe(0);

  const missing = uniqueDatabaseName('missing');
  const probe = await engineCli(testDatabaseUrl(missing), 'can-connect-to-database');
  expect(probe.exitCode).toBe(1);
  expect(loggedError(probe.stderr)).toMatchObject({ error_code: 'P1003', message: expect.stringContaining(missing) });
});

test('cli drop-database drops the database named in the URL', async () => {
  const name = newDatabaseName('dropped');
  await engineCli(testDatabaseUrl(name), 'create-database');
  expect((await engineCli(testDatabaseUrl(name), 'drop-database')).exitCode).toBe(0);
  expect(await databaseExists(name)).toBe(false);
});

test('an unreachable server is P1001 naming host and port, from the engine CLI and through prisma migrate', async () => {
  const probe = await engineCli(UNREACHABLE_URL, 'can-connect-to-database');
  expect(probe.exitCode).toBe(1);
  expect(loggedError(probe.stderr)).toEqual({
    is_panic: false,
    error_code: 'P1001',
    message:
      "Can't reach database server at `127.0.0.1:1`\n\nPlease make sure your database server is running at `127.0.0.1:1`.",
  });

  const status = await run(
    path.join(prismaRoot, 'node_modules/.bin/prisma'),
    ['migrate', 'status', '--config', path.join(prismaRoot, 'catalog/prisma.config.ts')],
    { env: { ...process.env, CATALOG_DATABASE_URL: UNREACHABLE_URL } },
  );
  expect(status.exitCode).toBe(1);
  expect(status.stderr).toContain("P1001: Can't reach database server at `127.0.0.1:1`");
});

test('migrate dev on a fresh database applies the committed migrations, then finds the schema in sync', async () => {
  const name = newDatabaseName('dev');
  const migrateDev = () =>
    run(
      path.join(prismaRoot, 'node_modules/.bin/prisma'),
      ['migrate', 'dev', '--config', path.join(prismaRoot, 'inventory/prisma.config.ts')],
      { env: { ...process.env, INVENTORY_DATABASE_URL: testDatabaseUrl(name) } },
    );

  const first = await migrateDev();
  expect(first.exitCode, first.stderr).toBe(0);
  expect(first.stdout).toContain('The following migration(s) have been applied');
  expect(first.stdout).toContain('Your database is now in sync with your schema.');
  const second = await migrateDev();
  expect(second.exitCode, second.stderr).toBe(0);
  expect(second.stdout).toContain('Already in sync, no schema change or pending migration was found.');
});

test('migrations replay whole into the shadow database: semicolons in literals and DO bodies survive', async () => {
  const name = newDatabaseName('replay');
  await engineCli(testDatabaseUrl(name), 'create-database');
  const project = await mkdtemp(path.join(tmpdir(), 'commerce-prisma-replay-'));
  try {
    const migration = path.join(project, 'migrations/20240101000000_notes');
    await mkdir(migration, { recursive: true });
    await writeFile(path.join(project, 'migrations/migration_lock.toml'), 'provider = "postgresql"\n');
    await writeFile(
      path.join(migration, 'migration.sql'),
      `CREATE TABLE "notes" ("id" INTEGER NOT NULL, CONSTRAINT "notes_pkey" PRIMARY KEY ("id"));
COMMENT ON TABLE "notes" IS 'kept; whole';
DO $$ BEGIN PERFORM 1; PERFORM 2; END $$;
`,
    );
    await writeFile(
      path.join(project, 'schema.prisma'),
      'datasource db {\n  provider = "postgresql"\n}\n\nmodel Note {\n  id Int @id\n\n  @@map("notes")\n}\n',
    );

    const diff = await run(
      path.join(prismaRoot, 'node_modules/.bin/prisma'),
      [
        'migrate',
        'diff',
        '--from-migrations',
        path.join(project, 'migrations'),
        '--to-schema',
        path.join(project, 'schema.prisma'),
        '--exit-code',
        '--config',
        path.join(prismaRoot, 'catalog/prisma.config.ts'),
      ],
      { env: { ...process.env, CATALOG_DATABASE_URL: testDatabaseUrl(name) } },
    );
    expect(diff.exitCode, diff.stderr).toBe(0);
    expect(diff.stdout).toContain('No difference detected.');
  } finally {
    await rm(project, { recursive: true, force: true });
  }
});

test('a JSON-RPC session answers requests, prints a diff through the CLI and reports unknown methods', async () => {
  const name = newDatabaseName('rpc');
  await engineCli(testDatabaseUrl(name), 'create-database');
  const schemaPath = path.join(prismaRoot, 'catalog/schema.prisma');
  const engine = spawn(offlineSchemaEnginePath, ['--datasource', JSON.stringify({ url: testDatabaseUrl(name) })], {
    stdio: ['pipe', 'pipe', 'ignore'],
  });
  const received: Record<string, unknown>[] = [];
  const send = (message: object) => engine.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', ...message })}\n`);
  createInterface({ input: engine.stdout }).on('line', (line) => {
    const message = JSON.parse(line);
    received.push(message);
    // The CLI's side of `print`: write the content, answer with an empty result.
    if (message.method === 'print') send({ id: message.id, result: {} });
    // Like the CLI, close stdin once the last answer is in.
    if (message.id === 3) engine.stdin.end();
  });

  send({ id: 1, method: 'getDatabaseVersion' });
  send({
    id: 2,
    method: 'diff',
    params: {
      from: { tag: 'empty' },
      to: { tag: 'schemaDatamodel', files: [{ path: schemaPath, content: await readFile(schemaPath, 'utf8') }] },
      script: true,
      exitCode: true,
      filters: { externalTables: [], externalEnums: [] },
    },
  });
  send({ id: 3, method: 'noSuchMethod' });
  const exitCode = await new Promise((resolve) => engine.on('exit', resolve));

  expect(exitCode).toBe(0);
  expect(received).toEqual([
    { jsonrpc: '2.0', id: 1, result: expect.stringMatching(/^PostgreSQL \d+/) },
    { jsonrpc: '2.0', id: 1, method: 'print', params: { content: expect.stringContaining('CREATE TABLE "products"') } },
    { jsonrpc: '2.0', id: 2, result: { exitCode: 2 } },
    { jsonrpc: '2.0', id: 3, error: { code: -32601, message: 'Method not found: noSuchMethod' } },
  ]);
});
