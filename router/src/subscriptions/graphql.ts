import { createRequire } from 'node:module';
import type * as GraphQL from 'graphql';

/**
 * graphql as the gateway and graphql-ws load it (CommonJS). The subscriptions code works on the
 * gateway's schema and hands errors to graphql-ws, which check `instanceof` against their own copy;
 * under a bundler (vitest) an `import from 'graphql'` here may be the ESM copy, a second instance.
 */
export const graphql: typeof GraphQL = createRequire(import.meta.url)('graphql');

export type { GraphQLError, GraphQLFormattedError } from 'graphql';

/** An error for a client of the WebSocket endpoint, with the code it can act on. */
export function liveError(
  code: string,
  message: string,
  extensions: Record<string, unknown> = {},
): GraphQL.GraphQLError {
  return new graphql.GraphQLError(message, { extensions: { code, ...extensions } });
}

/** A GraphQLError from another copy of graphql (service-kit's), remade with this one's class. */
export function asLiveError(error: { message: string; extensions?: Record<string, unknown> }): GraphQL.GraphQLError {
  return new graphql.GraphQLError(error.message, { extensions: error.extensions ?? {} });
}
