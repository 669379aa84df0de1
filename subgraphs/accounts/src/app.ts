import { issueAccessToken, loaderByKey, type UnitDefinition } from '@commerce/service-kit';
import type { AccountsConfig } from './config.ts';
import type { Context } from './context.ts';
import type { Db } from './db.ts';
import { resolvers } from './resolvers.ts';

/** The accounts unit over a given database: main.ts runs it with runUnit, tests start its API in-process. */
export function accountsUnit(config: AccountsConfig, db: Db): UnitDefinition<Context, Db> {
  const tokens: Context['tokens'] = async (claims) => {
    const expiresAt = new Date(Date.now() + config.accessTokenTtlSeconds * 1000);
    return {
      token: await issueAccessToken(claims, config.signingKey, config.accessTokenTtlSeconds),
      expiresAt,
    };
  };
  return {
    name: 'accounts',
    schemaFile: new URL('../schema.graphql', import.meta.url),
    resolvers,
    settings: config,
    db,
    createContext: (scope) => ({
      ...scope,
      db,
      tokens,
      signedInNow: new Set(),
      usersById: loaderByKey(
        (ids) => db.user.findMany({ where: { id: { in: ids } } }),
        (user) => user.id,
      ),
    }),
  };
}
