// Postgres connection settings and database administration for the offline schema engine,
// with failures reported under the codes the Prisma CLI knows (P1000, P1001, P1003, ...).
import pg from 'pg';

/** A failure the Prisma CLI recognises by its code and prints with its own explanation. */
export class UserFacingError extends Error {
  constructor(code, message, meta = {}) {
    super(message);
    this.name = 'UserFacingError';
    this.code = code;
    this.meta = meta;
  }
}

// Prisma's own default; without a timeout `pg` waits forever on a host that drops packets.
const DEFAULT_CONNECT_TIMEOUT_SECONDS = 5;
const MAINTENANCE_DATABASES = ['postgres', 'template1'];

/** Reads a Prisma datasource URL (postgresql://user@host:port/database?schema=...). */
export function parseDatasourceUrl(url) {
  let parsed;
  try {
    parsed = new URL(url);
  } catch {
    throw invalidUrl('It is not a URL');
  }
  if (parsed.protocol !== 'postgresql:' && parsed.protocol !== 'postgres:') {
    throw invalidUrl(`The offline schema engine supports postgresql:// URLs only, not ${parsed.protocol}//`);
  }
  const schema = parsed.searchParams.get('schema') ?? undefined;
  // `schema` is Prisma's parameter, not libpq's: it becomes the search_path below.
  parsed.searchParams.delete('schema');
  const connectTimeoutSeconds = Number(parsed.searchParams.get('connect_timeout') ?? DEFAULT_CONNECT_TIMEOUT_SECONDS);
  // The defaults Prisma and pg apply to a URL without them.
  const database = decodeURIComponent(parsed.pathname.slice(1)) || 'postgres';
  const user = decodeURIComponent(parsed.username) || pg.defaults.user;
  return {
    database,
    location: `${parsed.hostname}:${parsed.port || 5432}`,
    user,
    schema,
    /** pg settings for this server and the given database (the URL's own by default). */
    poolConfig(target = database) {
      const url = new URL(parsed);
      // pg lets a connection string win over a `database` setting, so the database goes into the URL.
      url.pathname = `/${encodeURIComponent(target)}`;
      return {
        connectionString: url.toString(),
        connectionTimeoutMillis: connectTimeoutSeconds * 1000,
        ...(schema ? { options: `-c search_path=${quoteIdentifier(schema)}` } : {}),
      };
    },
  };
}

/** Connects to the URL's own database and runs a trivial query. */
export async function checkConnection(datasource) {
  try {
    await withClient(datasource, datasource.database, (client) => client.query('SELECT 1'));
  } catch (error) {
    throw toUserFacingError(error, datasource);
  }
}

/** Creates the URL's database (or `name`), connected to the server's maintenance database. */
export async function createDatabase(datasource, name = datasource.database) {
  await withMaintenanceClient(datasource, name, (client) => client.query(`CREATE DATABASE ${quoteIdentifier(name)}`));
  return name;
}

/** Drops the URL's database (or `name`), connected to the server's maintenance database. */
export async function dropDatabase(datasource, name = datasource.database) {
  await withMaintenanceClient(datasource, name, (client) => client.query(`DROP DATABASE ${quoteIdentifier(name)}`));
}

/** Translates a pg or socket error into the error Prisma reports for it; other errors pass through. */
export function toUserFacingError(error, datasource, database = datasource.database) {
  const { location, user } = datasource;
  switch (error.code) {
    case 'ECONNREFUSED':
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'ECONNRESET':
      return new UserFacingError(
        'P1001',
        `Can't reach database server at \`${location}\`\n\nPlease make sure your database server is running at \`${location}\`.`,
        { database_location: location },
      );
    case '28P01':
    case '28000':
      return new UserFacingError(
        'P1000',
        `Authentication failed against database server, the provided database credentials for \`${user}\` are not valid.\n\nPlease make sure to provide valid database credentials for the database server at \`${location}\`.`,
        { database_user: user, database_host: location },
      );
    case '3D000':
      return new UserFacingError(
        'P1003',
        `Database \`${database}\` does not exist on the database server at \`${location}\`.`,
        { database_name: database, database_location: location },
      );
    case '42P04':
      return new UserFacingError(
        'P1009',
        `Database \`${database}\` already exists on the database server at \`${location}\``,
        { database_name: database, database_location: location },
      );
    case '42501':
      return new UserFacingError('P1010', `User \`${user}\` was denied access on the database \`${database}\``, {
        database_user: user,
        database_name: database,
      });
  }
  if (error.code === 'ETIMEDOUT' || /connection timeout/i.test(error.message)) {
    return new UserFacingError(
      'P1002',
      `The database server at \`${location}\` was reached but timed out.\n\nPlease try again.\n\nPlease make sure your database server is running at \`${location}\`.`,
      { database_location: location },
    );
  }
  return error;
}

export function quoteIdentifier(name) {
  return `"${name.replaceAll('"', '""')}"`;
}

function invalidUrl(reason) {
  return new UserFacingError('P1013', `The provided database string is invalid. ${reason}.`, { details: reason });
}

async function withClient(datasource, database, work) {
  const client = new pg.Client(datasource.poolConfig(database));
  // A socket error after connecting would otherwise crash the process instead of failing `work`.
  client.on('error', () => {});
  try {
    await client.connect();
    return await work(client);
  } finally {
    await client.end().catch(() => {});
  }
}

// Like the native engine: `postgres` when the server has it, else `template1`.
async function withMaintenanceClient(datasource, targetDatabase, work) {
  for (const maintenance of MAINTENANCE_DATABASES) {
    try {
      return await withClient(datasource, maintenance, work);
    } catch (error) {
      const missingMaintenanceDatabase = error.code === '3D000' && error.message.includes(`"${maintenance}"`);
      if (!missingMaintenanceDatabase) throw toUserFacingError(error, datasource, targetDatabase);
    }
  }
  throw new Error(`Neither the \`postgres\` nor the \`template1\` database exists at \`${datasource.location}\`.`);
}
