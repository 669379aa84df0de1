import { cp, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { dropDatabases, query, testDatabaseUrl, uniqueDatabaseName } from '../testing/databases.ts';
import { run } from './run.ts';
import { findUnit, prismaRoot, unitPaths, units } from './units.ts';

// Every unit gets a database of its own for this run; the tool reads the URLs from the env.
const databases = new Map(units.map((unit) => [unit.name, uniqueDatabaseName(unit.name)]));
const catalog = findUnit('catalog');
const catalogDatabase = databases.get(catalog.name) ?? '';
const extraDatabases: string[] = [];

beforeAll(() => {
  for (const unit of units) process.env[unit.databaseUrlVariable] = testDatabaseUrl(databases.get(unit.name) ?? '');
});
afterAll(() => dropDatabases([...databases.values(), ...extraDatabases]));

/** Runs `tsx tools/db.ts …` in `root` (the real prisma folder unless given) as pnpm would. */
function dbTool(args: string[], { root = prismaRoot, env = process.env } = {}) {
  return run(path.join(prismaRoot, 'node_modules/.bin/tsx'), ['tools/db.ts', ...args], { cwd: root, env });
}

const lines = (text: string) => text.trim().split('\n');
// A tool run over all six units replays every migration: minutes, not seconds, on a busy machine.
const allUnitsTimeout = 180_000;

test('migrate on fresh databases applies every migration; migrate status then finds each up to date', {
  timeout: allUnitsTimeout,
}, async () => {
  const migrate = await dbTool(['migrate']);
  expect(migrate.exitCode, migrate.stderr).toBe(0);
  expect(lines(migrate.stdout)).toEqual(
    units.map((unit) => `${unit.name}: All migrations have been successfully applied.`),
  );

  const statuses = await Promise.all(
    units.map((unit) =>
      run(path.join(prismaRoot, 'node_modules/.bin/prisma'), ['migrate', 'status', '--config', unitPaths(unit).config]),
    ),
  );
  for (const status of statuses) {
    expect(status.exitCode, status.stderr).toBe(0);
    expect(status.stdout).toContain('Database schema is up to date!');
  }
});

test('create makes a missing database and leaves an existing one alone', async () => {
  const name = uniqueDatabaseName('create');
  extraDatabases.push(name);
  const env = { ...process.env, ACCOUNTS_DATABASE_URL: testDatabaseUrl(name) };

  const first = await dbTool(['create', 'accounts'], { env });
  expect(first.exitCode, first.stderr).toBe(0);
  expect(first.stdout.trim()).toBe(`accounts: created database ${name}`);
  const second = await dbTool(['create', 'accounts'], { env });
  expect(second.stdout.trim()).toBe(`accounts: database ${name} exists`);
});

test('check-drift passes for every unit on the committed migrations', { timeout: allUnitsTimeout }, async () => {
  const check = await dbTool(['check-drift']);
  expect(check.exitCode, check.stderr).toBe(0);
  expect(lines(check.stdout)).toEqual(units.map((unit) => `${unit.name}: migrations match ${unit.name}/schema.prisma`));
});

test('check-drift fails, naming the unit and the missing column, when schema.prisma is ahead of the migrations', {
  timeout: allUnitsTimeout,
}, async () => {
  // A copy of the prisma folder whose catalog schema gained a column no migration creates.
  const copy = await mkdtemp(path.join(tmpdir(), 'commerce-prisma-drift-'));
  try {
    for (const entry of ['package.json', 'engine', 'tools', ...units.map((unit) => unit.name)]) {
      await cp(path.join(prismaRoot, entry), path.join(copy, entry), { recursive: true });
    }
    await symlink(path.join(prismaRoot, 'node_modules'), path.join(copy, 'node_modules'));
    const schemaPath = path.join(copy, 'catalog/schema.prisma');
    const schema = await readFile(schemaPath, 'utf8');
    const ahead = schema.replace(/^(\s*active\s+Boolean.*)$/m, '$1\n  weightGrams Int? @map("weight_grams")');
    expect(ahead).not.toBe(schema);
    await writeFile(schemaPath, ahead);

    const check = await dbTool(['check-drift', 'catalog'], { root: copy });
    expect(check.exitCode).toBe(1);
    expect(check.stderr).toContain('catalog: FAILED');
    expect(check.stderr).toContain('[*] Changed the `products` table');
    expect(check.stderr).toContain('[+] Added column `weight_grams`');
  } finally {
    await rm(copy, { recursive: true, force: true });
  }
});

test('reset empties the database and applies the migrations again', { timeout: allUnitsTimeout }, async () => {
  expect((await dbTool(['migrate', 'catalog'])).exitCode).toBe(0);
  await query(catalogDatabase, "INSERT INTO categories (id, slug, name) VALUES (gen_random_uuid(), 'tea', 'Tea')");

  const reset = await dbTool(['reset', 'catalog']);
  expect(reset.exitCode, reset.stderr).toBe(0);
  expect(reset.stdout.trim()).toBe(`catalog: database ${catalogDatabase} reset, migrations applied`);
  expect(await query(catalogDatabase, 'SELECT * FROM categories')).toEqual([]);
  const applied = await query<{ migration_name: string }>(
    catalogDatabase,
    'SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL ORDER BY migration_name',
  );
  const committed = (await readdir(unitPaths(catalog).migrations)).filter((entry) => entry !== 'migration_lock.toml');
  expect(applied.map((row) => row.migration_name)).toEqual(committed.sort());
});

test('a unit without its database URL fails with a message naming the variable', async () => {
  const { ACCOUNTS_DATABASE_URL: _omitted, ...env } = process.env;
  const migrate = await dbTool(['migrate', 'accounts'], { env });
  expect(migrate.exitCode).toBe(1);
  expect(migrate.stderr).toContain('accounts: FAILED\nACCOUNTS_DATABASE_URL is not set');
});
