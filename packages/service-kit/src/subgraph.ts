import { randomUUID } from 'node:crypto';
import type { IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { DocumentNode } from 'graphql';
import { maskInternalError, requestError } from './errors.ts';
import { closeServer, createHttpServer, graphqlHandler, listen, sendJson } from './http.ts';
import { IDENTITY_HEADER, type Identity, REQUEST_ID_HEADER, verifyIdentity } from './identity.ts';
import type { Logger } from './logger.ts';

/** What every resolver of every unit receives, before the unit adds its own (loaders, data). */
export type RequestScope = { identity: Identity; requestId: string; logger: Logger };

export type SubgraphOptions<TContext extends RequestScope> = {
  name: string;
  typeDefs: DocumentNode;
  // biome-ignore lint/suspicious/noExplicitAny: generated resolver types are narrower than Apollo's map
  resolvers: any;
  port: number;
  host?: string;
  /** Shared with the router; a request without its valid signature is refused. */
  routerSigningSecret: string;
  /** Builds the per-request context: DataLoaders live here so batching is per request. */
  createContext: (scope: RequestScope) => TContext;
  /** Readiness: resolves when the unit's dependencies (its database) answer. */
  isReady: () => Promise<void>;
  logger: Logger;
};

export type RunningSubgraph = { url: string; server: Server; close: () => Promise<void> };

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

export async function startSubgraph<TContext extends RequestScope>(
  options: SubgraphOptions<TContext>,
): Promise<RunningSubgraph> {
  const { name, logger } = options;
  const schema = buildSubgraphSchema({
    typeDefs: options.typeDefs,
    resolvers: options.resolvers,
  });
  const apollo = new ApolloServer<TContext>({
    schema,
    includeStacktraceInErrorResponses: false,
    // The process handles SIGINT/SIGTERM itself (stopOnSignal) and closes things in order.
    stopOnTerminationSignals: false,
    formatError: (formatted, error) =>
      maskInternalError(formatted, () => logger.error({ err: error }, 'internal error in resolver')),
    // No Apollo Studio here: traces would only cost time on every request.
    plugins: [ApolloServerPluginInlineTraceDisabled()],
  });
  await apollo.start();

  const handler = graphqlHandler<TContext>({
    apollo,
    logger,
    context: async (req) => {
      const identity = await verifyIdentity(header(req, IDENTITY_HEADER), options.routerSigningSecret);
      if (!identity) {
        throw requestError('FORBIDDEN', `The ${name} service only answers requests signed by the router.`);
      }
      const requestId = header(req, REQUEST_ID_HEADER) ?? randomUUID();
      return options.createContext({ identity, requestId, logger: logger.child({ requestId }) });
    },
    routes: {
      '/healthz': (_req, res) => sendJson(res, 200, { status: 'ok', service: name }),
      '/readyz': async (_req, res) => {
        try {
          await options.isReady();
          sendJson(res, 200, { status: 'ready', service: name });
        } catch (error) {
          logger.warn({ err: error }, 'not ready');
          sendJson(res, 503, { status: 'unavailable', service: name });
        }
      },
    },
  });
  const server = createHttpServer(handler);
  await listen(server, options.port, options.host);
  const { port } = server.address() as AddressInfo; // the real port, when 0 asked for any
  const url = `http://${options.host ?? '127.0.0.1'}:${port}/graphql`;
  logger.info({ url }, `${name} subgraph ready`);

  return {
    url,
    server,
    close: async () => {
      await closeServer(server);
      await apollo.stop();
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
