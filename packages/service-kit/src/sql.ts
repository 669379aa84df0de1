import { createHash } from 'node:crypto';
import pg from 'pg';

/**
 * Parameterised SQL ($1, $2, …) on a connection or in a transaction. The saga's steps and the
 * event handlers speak it straight to `pg`: an ORM's query pipeline costs several times the
 * statement it sends, on the paths every order takes many times (bench/results/saga.md).
 */
export interface Sql {
  /** The rows a statement returns. */
  query<Row = Record<string, unknown>>(text: string, values?: readonly unknown[]): Promise<Row[]>;
  /** How many rows a statement wrote. */
  execute(text: string, values?: readonly unknown[]): Promise<number>;
}

/**
 * Where a consumer records an event and applies its effect: SQL outside any transaction, and a
 * transaction handing its work the transaction's own client (`tx`, what handlers are written against).
 */
export interface TransactionStore<Tx> extends Sql {
  /**
   * Runs `work` in a transaction. `opening`, a statement without parameters, is sent with BEGIN
   * in one round trip, and so is `read` (another, after it); `work` gets the number of rows
   * `opening` wrote and the rows `read` returned.
   */
  transaction<T>(
    work: (tx: Tx, opened: number, read: Record<string, unknown>[]) => Promise<T>,
    opening?: string,
    read?: string,
  ): Promise<T>;
}

/** A pool of `pg` connections: statements and transactions of the unit's own database. */
export interface SqlPool extends TransactionStore<Sql> {
  /** Closes the pool's connections, at the unit's shutdown. */
  close(): Promise<void>;
}

const INT8 = 20;
const TIMESTAMP = 1114;
/**
 * Values read as Prisma reads them: int8 (counts, sums) as numbers, not strings (money is int4
 * cents and counts are small, never past 2^53); `timestamp` columns (Prisma's DateTime without
 * @db.Timestamptz) as UTC, as Prisma writes them, whatever the process's time zone.
 */
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
    if (oid === INT8) return (value: string) => Number(value);
    if (oid === TIMESTAMP) return (value: string) => new Date(`${value.replace(' ', 'T')}Z`);
    return pg.types.getTypeParser(oid, format);
  }) as typeof pg.types.getTypeParser,
};

/**
 * Statements go to Postgres as named prepared statements, named after their text: a connection
 * parses and plans each shape once, not on every call (Postgres spent about a third of its CPU per
 * order doing that). The saga's statements come in a few dozen shapes (one per step and number of
 * events); past PREPARED_LIMIT shapes in a process, further ones go unnamed, so no connection
 * holds an unbounded number of them.
 */
const PREPARED_LIMIT = 500;
const statementNames = new Map<string, string>();
function statementNameOf(text: string): string | undefined {
  let name = statementNames.get(text);
  if (name === undefined && statementNames.size < PREPARED_LIMIT) {
    name = `s_${createHash('sha1').update(text).digest('base64url')}`;
    statementNames.set(text, name);
  }
  return name;
}

const sqlOf = (client: pg.Pool | pg.PoolClient): Sql => {
  const run = (text: string, values: readonly unknown[]) =>
    client.query({ name: statementNameOf(text), text, values: values as unknown[] });
  return {
    async query<Row>(text: string, values: readonly unknown[] = []) {
      return (await run(text, values)).rows as Row[];
    },
    async execute(text: string, values: readonly unknown[] = []) {
      return (await run(text, values)).rowCount ?? 0;
    },
  };
};

export function createSqlPool(
  connectionString: string,
  options: { max?: number; onError?: (error: Error) => void } = {},
): SqlPool {
  // UTC sessions: now() into a `timestamp` column is what Prisma would have written there.
  const pool = new pg.Pool({
    connectionString,
    max: options.max ?? 4,
    keepAlive: true,
    types,
    options: '-c TimeZone=UTC',
  });
  // An idle connection losing its server (a Postgres restart): the next statement reconnects.
  pool.on('error', (error) => options.onError?.(error));
  return {
    ...sqlOf(pool),
    async transaction<T>(
      work: (tx: Sql, opened: number, read: Record<string, unknown>[]) => Promise<T>,
      opening?: string,
      read?: string,
    ): Promise<T> {
      if (read && !opening) throw new Error('a read sent with BEGIN comes after an opening statement');
      const client = await pool.connect();
      let broken: Error | undefined;
      try {
        const begun = await client.query(['BEGIN', opening, read].filter(Boolean).join('; '));
        const results = begun as unknown as pg.QueryResult[];
        const opened = opening ? (results[1]?.rowCount ?? 0) : 0;
        const tx = sqlOf(client);
        const result = await work(tx, opened, read ? results[2]!.rows : []);
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch((rollback: Error) => {
          broken = rollback; // the connection is gone: the pool must not hand it out again
        });
        throw error;
      } finally {
        client.release(broken);
      }
    },
    close: () => pool.end(),
  };
}

/**
 * A uuid written into SQL as a literal, for a statement that cannot take parameters (one sent
 * with others in a message); anything but a uuid throws.
 */
export function uuidLiteral(value: string): string {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value)) {
    throw new Error(`not a uuid: ${JSON.stringify(value)}`);
  }
  return `'${value}'::uuid`;
}

/** The part of a Prisma client (or its transaction client) that runs raw SQL. */
export interface PrismaRawSql {
  $queryRawUnsafe<Row = unknown>(query: string, ...values: unknown[]): Promise<Row>;
  $executeRawUnsafe(query: string, ...values: unknown[]): Promise<number>;
}

/** Sql over a Prisma client or transaction, for writes an ORM transaction shares with the SQL paths. */
export function prismaSql(client: PrismaRawSql): Sql {
  return {
    query: <Row>(text: string, values: readonly unknown[] = []) => client.$queryRawUnsafe<Row[]>(text, ...values),
    execute: (text: string, values: readonly unknown[] = []) => client.$executeRawUnsafe(text, ...values),
  };
}

/** A unit's Prisma client: its interactive `$transaction(fn)` and raw SQL outside one. */
// biome-ignore lint/suspicious/noExplicitAny: Prisma's $transaction is overloaded per generated client
export type TransactionalDb = { $transaction: (...args: any[]) => Promise<any> } & PrismaRawSql;

/** The transaction client a db's `$transaction(fn)` hands to fn (Prisma's last overload). */
export type TransactionClientOf<Db> = Db extends {
  // biome-ignore lint/suspicious/noExplicitAny: matched, not used
  $transaction(work: (tx: infer Tx) => Promise<any>, ...rest: any[]): Promise<any>;
}
  ? Tx
  : never;

/** A consumer's store over a unit's Prisma client: handlers get its interactive transaction client. */
export function prismaStore<Db extends TransactionalDb>(db: Db): TransactionStore<TransactionClientOf<Db>> {
  return {
    ...prismaSql(db),
    transaction: (work, opening, read) =>
      db.$transaction(async (tx: TransactionClientOf<Db> & PrismaRawSql) => {
        const opened = opening ? await tx.$executeRawUnsafe(opening) : 0;
        return work(tx, opened, read ? await tx.$queryRawUnsafe<Record<string, unknown>[]>(read) : []);
      }),
  };
}
