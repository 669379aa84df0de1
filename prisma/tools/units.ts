import path from 'node:path';

/** A business unit that owns a Postgres database, with its schema and migrations in prisma/<name>/. */
export interface Unit {
  name: string;
  /** The environment variable that holds the unit's database URL. */
  databaseUrlVariable: string;
}

/** Every unit with a database. Adding one takes its folder prisma/<name>/ and one line here. */
export const units: readonly Unit[] = [
  { name: 'accounts', databaseUrlVariable: 'ACCOUNTS_DATABASE_URL' },
  { name: 'catalog', databaseUrlVariable: 'CATALOG_DATABASE_URL' },
  { name: 'inventory', databaseUrlVariable: 'INVENTORY_DATABASE_URL' },
  { name: 'orders', databaseUrlVariable: 'ORDERS_DATABASE_URL' },
  { name: 'payments', databaseUrlVariable: 'PAYMENTS_DATABASE_URL' },
  { name: 'notifications', databaseUrlVariable: 'NOTIFICATIONS_DATABASE_URL' },
  { name: 'operations', databaseUrlVariable: 'OPERATIONS_DATABASE_URL' },
];

export const prismaRoot = path.resolve(import.meta.dirname, '..');

export function findUnit(name: string): Unit {
  const unit = units.find((candidate) => candidate.name === name);
  if (!unit) {
    throw new Error(`Unknown unit "${name}"; the units are ${units.map((known) => known.name).join(', ')}.`);
  }
  return unit;
}

/** The unit's database URL, or an error naming the variable to set. */
export function databaseUrl(unit: Unit): string {
  const url = process.env[unit.databaseUrlVariable];
  if (!url) {
    throw new Error(
      `${unit.databaseUrlVariable} is not set: it must hold the ${unit.name} database URL, e.g. postgresql://postgres@127.0.0.1:5432/commerce_${unit.name}`,
    );
  }
  return url;
}

export function unitPaths(unit: Unit) {
  const dir = path.join(prismaRoot, unit.name);
  return {
    dir,
    config: path.join(dir, 'prisma.config.ts'),
    schema: path.join(dir, 'schema.prisma'),
    migrations: path.join(dir, 'migrations'),
  };
}
