import { ApolloGateway, type GraphQLDataSourceProcessOptions, RemoteGraphQLDataSource } from '@apollo/gateway';
import { IDENTITY_HEADER, REQUEST_ID_HEADER } from '@commerce/service-kit';
import type { RouterConfig } from '../config.ts';
import type { RouterContext } from '../context.ts';
import { supergraphForGateway } from '../edge/authorization.ts';

/**
 * Sends each subgraph the router's own signed statement of who is calling, addressed to that
 * subgraph alone, and nothing else.
 */
class SignedDataSource extends RemoteGraphQLDataSource<RouterContext> {
  constructor(
    private readonly subgraph: string,
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

/**
 * A gateway over the configured supergraph, sending each subgraph's requests to its configured URL
 * (`@join__graph(url:)` unless <NAME>_URL overrides it). `fetcher`: how requests reach a subgraph
 * (router/src/execution/resilience.ts: timeouts, retries, breaker).
 */
export function createGateway(
  config: Pick<RouterConfig, 'supergraph' | 'subgraphs'>,
  options: { fetcher?: (subgraph: string) => RemoteGraphQLDataSource['fetcher'] } = {},
): ApolloGateway {
  const urls = new Map(config.subgraphs.map(({ name, url }) => [name, url]));
  return new ApolloGateway({
    supergraphSdl: supergraphForGateway(config.supergraph.sdl),
    buildService: ({ name }) => {
      const url = urls.get(name);
      if (url === undefined) throw new Error(`The supergraph names a subgraph the router has no URL for: ${name}`);
      const fetcher = options.fetcher?.(name);
      return new SignedDataSource(name, { url, ...(fetcher ? { fetcher } : {}) });
    },
  });
}
