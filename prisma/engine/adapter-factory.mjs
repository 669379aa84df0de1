// The driver adapter factory handed to the wasm schema engine: @prisma/adapter-pg, with its
// 7.10.0 defects on the schema engine's path worked around.
import { randomUUID } from 'node:crypto';
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { createDatabase, dropDatabase } from './postgres.mjs';

const TEXT_OID = 25;
// Postgres' internal "char" type (oid 18), which the engine's introspection queries return
// (e.g. pg_constraint.contype), has no mapping in adapter-pg, so every schema description
// failed with "Column type 'char' could not be deserialized" (prisma/orm#27403). Its values
// arrive as one-character strings, so reporting the column as text is exact.
const OIDS_READ_AS_TEXT = new Set([18]);

function reportAsText(result) {
  for (const single of Array.isArray(result) ? result : [result]) {
    for (const field of single?.fields ?? []) {
      if (OIDS_READ_AS_TEXT.has(field.dataTypeID)) field.dataTypeID = TEXT_OID;
    }
  }
  return result;
}

/** A pg client whose results describe "char" columns as text (see OIDS_READ_AS_TEXT). */
class CharAsTextClient extends pg.Client {
  query(config, values, callback) {
    if (typeof values === 'function') return this.query(config, undefined, values);
    if (typeof callback === 'function') {
      return super.query(config, values, (error, result) => callback(error, error ? result : reportAsText(result)));
    }
    const pending = super.query(config, values);
    return typeof pending?.then === 'function' ? pending.then(reportAsText) : pending;
  }
}

/**
 * Fixes on top of an adapter-pg adapter:
 * - executeScript, which the engine uses to replay migrations into the shadow database (migrate
 *   dev, migrate diff --from-migrations): adapter-pg splits the script at every ";", breaking
 *   dollar-quoted bodies (DO $$ … $$, functions) and string literals that contain one. Sent whole
 *   and without parameters, pg uses the simple query protocol, which runs many statements, as the
 *   native engine does (and as migrate deploy already does here, through executeRaw).
 * - dispose: runs the given release instead, so a shadow database is dropped after its pool closed.
 */
function fixAdapter(adapter, dispose) {
  return {
    provider: adapter.provider,
    adapterName: adapter.adapterName,
    queryRaw: (query) => adapter.queryRaw(query),
    executeRaw: (query) => adapter.executeRaw(query),
    executeScript: async (script) => {
      await adapter.executeRaw({ sql: script, args: [], argTypes: [] });
    },
    startTransaction: (isolationLevel) => adapter.startTransaction(isolationLevel),
    getConnectionInfo: () => adapter.getConnectionInfo(),
    dispose,
  };
}

/**
 * Connects the engine to the datasource's database and, when it needs a shadow database, creates
 * a temporary one on the same server. adapter-pg's own shadow database handling connects to the
 * main database instead (so migrations were replayed there) and drops the shadow database while
 * its pool is still open.
 */
export class OfflinePgAdapterFactory {
  provider = 'postgres';
  adapterName = '@prisma/adapter-pg';
  #datasource;
  #openAdapters = new Set();

  constructor(datasource) {
    this.#datasource = datasource;
  }

  async connect() {
    const adapter = await this.#connectTo(this.#datasource.database);
    return this.#track(adapter, () => adapter.dispose());
  }

  async connectToShadowDb() {
    const name = `prisma_migrate_shadow_db_${randomUUID()}`;
    await createDatabase(this.#datasource, name);
    const adapter = await this.#connectTo(name);
    return this.#track(adapter, async () => {
      await adapter.dispose();
      await dropDatabase(this.#datasource, name);
    });
  }

  /** Closes every pool still open and drops any shadow database the engine left behind. */
  async close() {
    await Promise.allSettled([...this.#openAdapters].map((adapter) => adapter.dispose()));
    this.#openAdapters.clear();
  }

  async #connectTo(database) {
    const { schema } = this.#datasource;
    const poolConfig = { ...this.#datasource.poolConfig(database), Client: CharAsTextClient };
    return new PrismaPg(poolConfig, schema ? { schema } : undefined).connect();
  }

  #track(adapter, release) {
    const fixed = fixAdapter(adapter, async () => {
      this.#openAdapters.delete(fixed);
      await release();
    });
    this.#openAdapters.add(fixed);
    return fixed;
  }
}
