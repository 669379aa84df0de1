import { IDENTITY_HEADER, type Identity, signIdentity } from '@commerce/service-kit';
import { UNITS } from '../../scripts/lib/units.ts';

export type GraphQLResponse<Data = Record<string, unknown>> = {
  status: number;
  headers: Headers;
  body: { data?: Data | null; errors?: Array<{ message: string; extensions?: Record<string, unknown> }> };
};

/** One GraphQL request over real HTTP. */
export async function graphql<Data = Record<string, unknown>>(
  url: string,
  query: string,
  variables: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): Promise<GraphQLResponse<Data>> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as GraphQLResponse<Data>['body'];
  return { status: response.status, headers: response.headers, body };
}

export function errorCodes(response: GraphQLResponse<unknown>): unknown[] {
  return (response.body.errors ?? []).map((error) => error.extensions?.code);
}

/**
 * Headers as the router would send them to a subgraph, for tests that call a subgraph directly.
 * The router addresses each header to one subgraph; this one is good for any of them.
 */
export async function asRouter(identity: Identity, secret: string): Promise<Record<string, string>> {
  return { [IDENTITY_HEADER]: await signIdentity(identity, secret, UNITS) };
}
