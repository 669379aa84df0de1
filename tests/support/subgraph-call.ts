import type { Identity } from '@commerce/service-kit';
import type { Unit } from '../../scripts/lib/units.ts';
import { asRouter, type GraphQLResponse, graphql } from './graphql.ts';

/** The test system's URL of one subgraph, bypassing the router. */
export function subgraphUrl(env: Record<string, string>, unit: Unit): string {
  const url = env[`${unit.toUpperCase()}_URL`];
  if (!url) throw new Error(`The test environment has no ${unit.toUpperCase()}_URL.`);
  return url;
}

/**
 * Calls a subgraph of the running test system directly, with an identity header signed as the
 * router signs it (`asRouter`, with the test system's ROUTER_SIGNING_SECRET): what a caller who
 * got past the router, or captured a header, could send.
 */
export async function callSubgraph<Data = Record<string, unknown>>(
  env: Record<string, string>,
  unit: Unit,
  identity: Identity,
  query: string,
  variables: Record<string, unknown> = {},
): Promise<GraphQLResponse<Data>> {
  const headers = await asRouter(identity, env.ROUTER_SIGNING_SECRET!);
  return graphql<Data>(subgraphUrl(env, unit), query, variables, headers);
}
