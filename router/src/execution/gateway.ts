import { readFileSync } from 'node:fs';
import { ApolloGateway, type GraphQLDataSourceProcessOptions, RemoteGraphQLDataSource } from '@apollo/gateway';
import { IDENTITY_HEADER, REQUEST_ID_HEADER } from '@commerce/service-kit';
import { type RouterConfig, subgraphUrl } from '../config.ts';
import type { RouterContext } from '../context.ts';
import { supergraphForGateway } from '../edge/authorization.ts';
import { SUBGRAPH_NAMES, type SubgraphName } from './subgraphs.ts';

export const SUPERGRAPH_PATH = new URL('../../supergraph.graphql', import.meta.url);

/**
 * Sends each subgraph the router's own signed statement of who is calling, addressed to that
 * subgraph alone, and nothing else.
 */
class SignedDataSource extends RemoteGraphQLDataSource<RouterContext> {
  constructor(
    private readonly subgraph: SubgraphName,
    config: ConstructorParameters<typeof RemoteGraphQLDataSource<RouterContext>>[0],
  ) {
    super(config);
  }

  override async willSendRequest({ request, context }: GraphQLDataSourceProcessOptions<RouterContext>) {
    const headers = request.http?.headers;
    if (!headers || !context.identityToken) return;
    headers.set(IDENTITY_HEADER, await context.identityToken(this.subgraph));
    headers.set(REQUEST_ID_HEADER, context.requestId);
  }
}

/** `fetcher`: how requests reach a subgraph (router/src/execution/resilience.ts: timeouts, retries, breaker). */
export function createGateway(
  config: RouterConfig,
  options: { fetcher?: (subgraph: SubgraphName) => RemoteGraphQLDataSource['fetcher'] } = {},
): ApolloGateway {
  const known = new Set<string>(SUBGRAPH_NAMES);
  return new ApolloGateway({
    supergraphSdl: supergraphForGateway(readFileSync(SUPERGRAPH_PATH, 'utf8')),
    buildService: ({ name }) => {
      if (!known.has(name)) throw new Error(`The supergraph names a subgraph the router does not know: ${name}`);
      const fetcher = options.fetcher?.(name as SubgraphName);
      return new SignedDataSource(name as SubgraphName, {
        url: subgraphUrl(config, name as SubgraphName),
        ...(fetcher ? { fetcher } : {}),
      });
    },
  });
}
