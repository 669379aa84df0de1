import { readFileSync } from 'node:fs';
import { createLogger, issueAccessToken, loaderByKey, startSubgraph } from '@commerce/service-kit';
import { parse } from 'graphql';
import type { AccountsConfig } from './config.ts';
import type { Context } from './context.ts';
import type { Db } from './db.ts';
import { resolvers } from './resolvers.ts';

const typeDefs = parse(readFileSync(new URL('../schema.graphql', import.meta.url), 'utf8'));

/** The accounts subgraph over a given database; main.ts runs it, tests start it in-process. */
export function startAccounts(config: AccountsConfig, db: Db) {
  const tokens: Context['tokens'] = async (claims) => {
    const expiresAt = new Date(Date.now() + config.ACCESS_TOKEN_TTL_SECONDS * 1000);
    return {
      token: await issueAccessToken(claims, config.JWT_SIGNING_KEY, config.ACCESS_TOKEN_TTL_SECONDS),
      expiresAt,
    };
  };
  return startSubgraph<Context>({
    name: 'accounts',
    typeDefs,
    resolvers,
    port: config.ACCOUNTS_PORT,
    host: config.HOST,
    routerSigningSecret: config.ROUTER_SIGNING_SECRET,
    logger: createLogger('accounts', config.LOG_LEVEL),
    isReady: async () => {
      await db.$queryRaw`select 1`;
    },
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
  });
}
