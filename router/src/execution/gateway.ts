import {
  ApolloGateway,
  type GraphQLDataSource,
  type GraphQLDataSourceProcessOptions,
  type RemoteGraphQLDataSource,
} from '@apollo/gateway';
import { IDENTITY_HEADER, REQUEST_ID_HEADER } from '@commerce/service-kit';
import { GraphQLError } from 'graphql';
import type { RouterConfig } from '../config.ts';
import type { RouterContext } from '../context.ts';
import { supergraphForGateway } from '../edge/authorization.ts';

type Fetcher = RemoteGraphQLDataSource['fetcher'];
type SubgraphAnswer = Awaited<ReturnType<GraphQLDataSource['process']>>;
type CachePolicy = { restrict(hint: { maxAge?: number; scope?: 'PUBLIC' | 'PRIVATE' }): void };

/** A subgraph's Cache-Control, as RemoteGraphQLDataSource honours it: max-age, private, public. */
function cacheHint(header: string | null) {
  const hint: { maxAge: number; scope?: 'PUBLIC' | 'PRIVATE' } = { maxAge: 0 };
  for (const directive of (header ?? '').split(',')) {
    const [name, value] = directive.trim().toLowerCase().split('=');
    if (name === 'max-age' && value && /^[0-9]+$/.test(value)) hint.maxAge = Number(value);
    if (name === 'private') hint.scope = 'PRIVATE';
    if (name === 'public') hint.scope = 'PUBLIC';
  }
  return hint;
}

/**
 * One subgraph, as RemoteGraphQLDataSource calls it (the same body, headers and answers; errors
 * for a non-2xx answer with its status; the subgraph's Cache-Control honoured), plus the router's
 * own signed statement of who is calling, addressed to that subgraph alone, and the request id.
 * Written out rather than extended: RemoteGraphQLDataSource builds node-fetch Headers and a
 * Request on every call, a large share of the router's CPU on queries that fan out.
 */
class SignedSubgraph implements GraphQLDataSource<RouterContext> {
  constructor(
    private readonly name: string,
    private readonly url: string,
    private readonly fetcher: Fetcher,
  ) {}

  async process(options: GraphQLDataSourceProcessOptions<RouterContext>): Promise<SubgraphAnswer> {
    const { request, context } = options;
    if (!request.query) throw new Error('Missing query');
    const headers: Record<string, string> = {};
    for (const [name, value] of request.http?.headers ?? []) headers[name] = value;
    headers['content-type'] = 'application/json';
    if (context.identityToken) {
      headers[IDENTITY_HEADER] = await context.identityToken(this.name);
      headers[REQUEST_ID_HEADER] = context.requestId;
    }
    const { http: _http, ...body } = request;
    const response = await this.fetcher(this.url, { method: 'POST', headers, body: JSON.stringify(body) });
    const type = response.headers.get('content-type');
    const json = type?.startsWith('application/json') || type?.startsWith('application/graphql-response+json');
    const parsed: unknown = json ? await response.json() : await response.text();
    if (!response.ok) {
      throw new GraphQLError(`${response.status}: ${response.statusText}`, {
        extensions: {
          response: { url: response.url, status: response.status, statusText: response.statusText, body: parsed },
          ...(response.status === 401
            ? { code: 'UNAUTHENTICATED' }
            : response.status === 403
              ? { code: 'FORBIDDEN' }
              : {}),
        },
      });
    }
    if (typeof parsed !== 'object' || parsed === null) {
      throw new Error(`Expected JSON response body, but received: ${parsed}`);
    }
    const policy =
      options.kind === 'incoming operation'
        ? (options.incomingRequestContext.overallCachePolicy as Partial<CachePolicy> | undefined)
        : undefined;
    if (policy?.restrict) policy.restrict(cacheHint(response.headers.get('cache-control')));
    return { ...(parsed as SubgraphAnswer), http: response } as SubgraphAnswer;
  }
}

/**
 * A gateway over the configured supergraph, sending each subgraph's requests to its configured URL
 * (`@join__graph(url:)` unless <NAME>_URL overrides it). `fetcher`: how requests reach a subgraph
 * (router/src/execution/resilience.ts: timeouts, retries, breaker); the global fetch without it.
 */
export function createGateway(
  config: Pick<RouterConfig, 'supergraph' | 'subgraphs'>,
  options: { fetcher?: (subgraph: string) => Fetcher } = {},
): ApolloGateway {
  const urls = new Map(config.subgraphs.map(({ name, url }) => [name, url]));
  return new ApolloGateway({
    supergraphSdl: supergraphForGateway(config.supergraph.sdl),
    buildService: ({ name }) => {
      const url = urls.get(name);
      if (url === undefined) throw new Error(`The supergraph names a subgraph the router has no URL for: ${name}`);
      return new SignedSubgraph(name, url, options.fetcher?.(name) ?? (fetch as unknown as Fetcher));
    },
  });
}
