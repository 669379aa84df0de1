import type { Identity } from '@commerce/service-kit';
import type { Client } from './rate-limit.ts';
import type { SubgraphName } from './subgraphs.ts';

export type RouterContext = {
  identity: Identity;
  requestId: string;
  /** Who is counted for rate limits and APQ registrations (router/src/rate-limit.ts, clientOf). */
  client: Client;
  /** The signed identity header for one subgraph, made once per request and subgraph on first use. */
  identityToken?: (subgraph: SubgraphName) => Promise<string>;
};
