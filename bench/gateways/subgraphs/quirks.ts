/**
 * A fifth subgraph beside the benchmark's four, for tests only (tests/e2e/executor-corpus.test.ts):
 * product fields resolved by entity fetches that fail on purpose, so that errors inside an entity
 * fetch (at every path where the entity appears) and a null in a non-null field are exercised.
 */
import { GraphQLError } from 'graphql';
import type { BenchSubgraph } from './schemas.ts';

export const QUIRKS: BenchSubgraph = {
  typeDefs: /* GraphQL */ `
    extend type Product @key(fields: "upc") {
      upc: String! @external
      "Fails for product 2."
      label: String
      "Null (so the whole entity is null) for product 3."
      mustHave: String!
    }
  `,
  resolvers: {
    Product: {
      __resolveReference: ({ upc }: { upc: string }) => ({ upc }),
      label: ({ upc }: { upc: string }) => {
        // Coded, so that the router passes it on (with its path) rather than masking it.
        if (upc === '2') throw new GraphQLError(`no label for product ${upc}`, { extensions: { code: 'NOT_FOUND' } });
        return `label ${upc}`;
      },
      mustHave: ({ upc }: { upc: string }) => (upc === '3' ? null : `must ${upc}`),
    },
  },
};
