import { fileURLToPath } from 'node:url';

/** Absolute path of the offline schema engine executable. */
export const offlineSchemaEnginePath = fileURLToPath(new URL('./schema-engine.mjs', import.meta.url));

/**
 * Makes the Prisma CLI use the offline schema engine instead of the native binary it would
 * otherwise download, unless PRISMA_SCHEMA_ENGINE_BINARY already names an engine. The CLI
 * loads prisma.config.ts before it looks for engines, so calling this from the config is enough.
 */
export function useOfflineSchemaEngine(): void {
  process.env.PRISMA_SCHEMA_ENGINE_BINARY ??= offlineSchemaEnginePath;
}
