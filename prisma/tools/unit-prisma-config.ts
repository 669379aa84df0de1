import { defineConfig, type PrismaConfig } from 'prisma/config';
import { useOfflineSchemaEngine } from '../engine/index.ts';
import { databaseUrl, findUnit, unitPaths } from './units.ts';

// Commands that read only the schema file, so they run without a database URL (e.g. generating
// clients in a build step). Every other command connects: with the wasm engine even
// `migrate diff` between two schema files does.
const COMMANDS_WITHOUT_DATABASE = new Set(['generate', 'validate', 'format', 'version', 'help', 'debug']);

function commandNeedsDatabase(cliArguments: readonly string[]): boolean {
  const command = cliArguments.find((argument) => !argument.startsWith('-'));
  return command !== undefined && !COMMANDS_WITHOUT_DATABASE.has(command);
}

/** The Prisma config of one unit: its schema, migrations and database, on the offline engine. */
export function defineUnitPrismaConfig(unitName: string): PrismaConfig {
  useOfflineSchemaEngine();
  // No usage telemetry: nothing is sent off this machine (and its network is closed anyway).
  process.env.CHECKPOINT_DISABLE ??= '1';

  const unit = findUnit(unitName);
  const paths = unitPaths(unit);
  // A missing URL stops only the commands that connect, with a message naming the variable.
  const url = commandNeedsDatabase(process.argv.slice(2)) ? databaseUrl(unit) : process.env[unit.databaseUrlVariable];
  return defineConfig({
    schema: paths.schema,
    migrations: { path: paths.migrations },
    ...(url ? { datasource: { url } } : {}),
  });
}
