import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { ApolloServer } from '@apollo/server';
import {
  closeServer,
  createHttpServer,
  createLogger,
  graphqlHandler,
  listen,
  maskInternalError,
  REQUEST_ID_HEADER,
  sendJson,
  signIdentity,
} from '@commerce/service-kit';
import type { RouterConfig } from './config.ts';
import type { RouterContext } from './context.ts';
import { createGateway } from './gateway.ts';
import { identify } from './identify.ts';

const REQUEST_ID = /^[\w-]{8,64}$/;

function requestIdOf(req: IncomingMessage): string {
  const given = req.headers[REQUEST_ID_HEADER];
  return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
}

/** The router: one GraphQL endpoint over every subgraph. */
export async function startRouter(config: RouterConfig) {
  const logger = createLogger('router', config.LOG_LEVEL);
  const gateway = createGateway(config);
  const apollo = new ApolloServer<RouterContext>({
    gateway,
    includeStacktraceInErrorResponses: false,
    formatError: (formatted, error) =>
      maskInternalError(formatted, () => logger.error({ err: error }, 'internal error')),
  });
  await apollo.start();

  const handler = graphqlHandler<RouterContext>({
    apollo,
    logger,
    context: async (req) => {
      const identity = await identify(req, config.JWT_VERIFICATION_KEYS);
      let token: Promise<string> | undefined;
      return {
        identity,
        requestId: requestIdOf(req),
        identityToken: () => (token ??= signIdentity(identity, config.ROUTER_SIGNING_SECRET)),
      };
    },
    routes: {
      '/healthz': (_req, res) => sendJson(res, 200, { status: 'ok', service: 'router' }),
    },
  });
  const server = createHttpServer(handler);
  await listen(server, config.ROUTER_PORT, config.HOST);
  const url = `http://${config.HOST === '0.0.0.0' ? 'localhost' : config.HOST}:${config.ROUTER_PORT}/graphql`;
  logger.info({ url }, 'router ready');
  return {
    url,
    logger,
    close: async () => {
      await closeServer(server);
      await apollo.stop();
    },
  };
}
