import { readFileSync } from 'node:fs';
import type { IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { parse } from 'graphql';
import { authorizationError, readAuthorizationRequirements, refusedFields } from './authorization.ts';
import type { SubgraphSettings } from './config.ts';
import { maskInternalError, requestError } from './errors.ts';
import { closeServer, createHttpServer, graphqlHandler, listen, type Route, requestIdOf, sendJson } from './http.ts';
import { IDENTITY_HEADER, type Identity, verifyIdentity } from './identity.ts';
import { refuseNulInStrings } from './input-strings.ts';
import { createLogger, type Logger } from './logger.ts';

/** What every resolver of every unit receives, before the unit adds its own (loaders, data). */
export type RequestScope = { identity: Identity; requestId: string; logger: Logger };

export type SubgraphOptions<TContext extends RequestScope> = {
  name: string;
  /** The unit's schema.graphql. */
  schemaFile: URL;
  // biome-ignore lint/suspicious/noExplicitAny: generated resolver types are narrower than Apollo's map
  resolvers: any;
  /** Port, host, log level, and the secret shared with the router (unsigned requests are refused). */
  settings: SubgraphSettings;
  /** The unit's database: the subgraph is ready when it answers. */
  db: { $executeRawUnsafe(query: string): Promise<unknown> };
  /** Builds the per-request context: DataLoaders live here so batching is per request. */
  createContext: (scope: RequestScope) => TContext;
  /** Routes beside /graphql, /healthz and /readyz (runUnit adds /metrics). */
  routes?: Record<string, Route>;
  /** The process's logger, when the caller made one already. */
  logger?: Logger;
};

export type RunningSubgraph = { url: string; server: Server; logger: Logger; close: () => Promise<void> };

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

export async function startSubgraph<TContext extends RequestScope>(
  options: SubgraphOptions<TContext>,
): Promise<RunningSubgraph> {
  const { name, settings } = options;
  const logger = options.logger ?? createLogger(name, settings.logLevel);
  const typeDefs = parse(readFileSync(options.schemaFile, 'utf8'));
  const schema = buildSubgraphSchema({ typeDefs, resolvers: options.resolvers });
  const requirements = readAuthorizationRequirements(typeDefs);
  const apollo = new ApolloServer<TContext>({
    schema,
    includeStacktraceInErrorResponses: false,
    // The process handles SIGINT/SIGTERM itself (stopOnSignal) and closes things in order.
    stopOnTerminationSignals: false,
    formatError: (formatted, error) =>
      maskInternalError(formatted, () => logger.error({ err: error }, 'internal error in resolver')),
    // No Apollo Studio here: traces would only cost time on every request.
    plugins: [
      ApolloServerPluginInlineTraceDisabled(),
      refuseNulInStrings(),
      // The unit enforces its own @authenticated / @requiresScopes, as the router does before planning,
      // so a request that reaches it some other way with a valid identity is refused alike.
      {
        async requestDidStart() {
          return {
            async didResolveOperation({ schema, document, operation, contextValue }) {
              const refusal = refusedFields(schema, document, operation, requirements, contextValue.identity);
              if (refusal) throw authorizationError(refusal, contextValue.identity);
            },
          };
        },
      },
    ],
  });
  await apollo.start();

  const handler = graphqlHandler<TContext>({
    apollo,
    logger,
    context: async (req) => {
      const identity = await verifyIdentity(header(req, IDENTITY_HEADER), settings.routerSigningSecret, name);
      if (!identity) {
        throw requestError('FORBIDDEN', `The ${name} service only answers requests signed by the router.`);
      }
      const requestId = requestIdOf(req);
      return options.createContext({ identity, requestId, logger: logger.child({ requestId }) });
    },
    routes: { ...probeRoutes(name, options.db, logger), ...options.routes },
  });
  const server = createHttpServer(handler);
  await listen(server, settings.port, settings.host);
  const { port } = server.address() as AddressInfo; // the real port, when 0 asked for any
  const url = `http://${settings.host}:${port}/graphql`;
  logger.info({ url }, `${name} subgraph ready`);

  return {
    url,
    server,
    logger,
    close: async () => {
      await closeServer(server);
      await apollo.stop();
    },
  };
}

/** /healthz (the process runs) and /readyz (its database answers), for every unit's process. */
export function probeRoutes(
  name: string,
  db: SubgraphOptions<RequestScope>['db'],
  logger: Logger,
): Record<string, Route> {
  return {
    '/healthz': (_req, res) => sendJson(res, 200, { status: 'ok', service: name }),
    '/readyz': async (_req, res) => {
      try {
        await db.$executeRawUnsafe('select 1');
        sendJson(res, 200, { status: 'ready', service: name });
      } catch (error) {
        logger.warn({ err: error }, 'not ready');
        sendJson(res, 503, { status: 'unavailable', service: name });
      }
    },
  };
}

/** Runs until SIGINT or SIGTERM, then closes what the process opened, in order. */
export function stopOnSignal(logger: Logger, ...closers: Array<() => Promise<unknown>>): void {
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping');
    for (const close of closers) {
      try {
        await close();
      } catch (error) {
        logger.error({ err: error }, 'error while stopping');
      }
    }
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}
