/**
 * The four subgraphs of The Guild's graphql-gateways-benchmark (federation-v1/subgraphs/), their
 * SDL as those export it (Federation 1) and resolvers that answer as those do, quirks included.
 */
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/index.js';
import { PRODUCTS, REVIEWS, type Review, STOCK, USERS } from './data.ts';

export type BenchSubgraph = { typeDefs: string; resolvers: GraphQLResolverMap<unknown> };

const found = <T>(item: T | undefined, what: string): T => {
  if (item === undefined) throw new Error(`${what} not found`);
  return item;
};

const accounts: BenchSubgraph = {
  typeDefs: /* GraphQL */ `
    extend type Query {
      me: User
      user(id: ID!): User
      users: [User]
    }

    type User @key(fields: "id") {
      id: ID!
      name: String
      username: String
      birthday: Int
    }
  `,
  resolvers: {
    Query: {
      me: () => USERS[0],
      user: (_: unknown, { id }: { id: string }) => USERS.find((user) => user.id === id) ?? null,
      users: () => USERS,
    },
    User: {
      __resolveReference: ({ id }: { id: string }) =>
        found(
          USERS.find((user) => user.id === id),
          `user ${id}`,
        ),
    },
  },
};

const inventory: BenchSubgraph = {
  typeDefs: /* GraphQL */ `
    extend type Product @key(fields: "upc") {
      upc: String! @external
      weight: Int @external
      price: Int @external
      inStock: Boolean
      shippingEstimate: Int @requires(fields: "price weight")
    }
  `,
  resolvers: {
    Product: {
      // As in the original, the entity is inventory's own row, not the representation: the price
      // and weight the gateway sends are not read, so shippingEstimate is always null.
      __resolveReference: ({ upc }: { upc: string }) =>
        found(
          STOCK.find((row) => row.upc === upc),
          `stock ${upc}`,
        ),
      shippingEstimate: ({ price, weight }: { price: number | null; weight: number | null }) => {
        if (price === null) return null;
        if (price > 1000) return 0;
        return weight === null ? null : weight / 2;
      },
    },
  },
};

const products: BenchSubgraph = {
  typeDefs: /* GraphQL */ `
    type Product @key(fields: "upc") {
      upc: String!
      name: String
      price: Int
      weight: Int
    }

    extend type Query {
      topProducts(first: Int = 5): [Product]
    }
  `,
  resolvers: {
    Query: {
      topProducts: (_: unknown, { first }: { first: number | null }) => PRODUCTS.slice(0, first ?? 5),
    },
    Product: {
      __resolveReference: ({ upc }: { upc: string }) =>
        found(
          PRODUCTS.find((product) => product.upc === upc),
          `product ${upc}`,
        ),
    },
  },
};

/** Every author is user 1, known as urigo, and every user has written the first two reviews: as in the original. */
const firstTwo = (): Review[] => REVIEWS.slice(0, 2);

const reviews: BenchSubgraph = {
  typeDefs: /* GraphQL */ `
    extend type Product @key(fields: "upc") {
      upc: String! @external
      reviews: [Review]
    }

    type Review @key(fields: "id") {
      id: ID!
      body: String
      product: Product
      author: User @provides(fields: "username")
    }

    extend type User @key(fields: "id") {
      id: ID! @external
      username: String @external
      reviews: [Review]
    }
  `,
  resolvers: {
    Review: {
      __resolveReference: ({ id }: { id: string }) =>
        found(
          REVIEWS.find((review) => review.id === id),
          `review ${id}`,
        ),
      author: () => ({ id: '1', username: 'urigo', reviews: firstTwo() }),
    },
    User: {
      __resolveReference: ({ id }: { id: string }) => ({ id, username: 'user', reviews: firstTwo() }),
    },
    Product: {
      __resolveReference: ({ upc }: { upc: string }) => ({ upc }),
      reviews: ({ upc }: { upc: string }) => REVIEWS.filter((review) => review.product.upc === upc),
    },
  },
};

export const BENCH_SUBGRAPHS = { accounts, inventory, products, reviews };
export type BenchSubgraphName = keyof typeof BENCH_SUBGRAPHS;
