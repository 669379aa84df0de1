import type { Identity } from '@commerce/service-kit';
import type { Client } from './edge/rate-limit.ts';

export type RouterContext = {
  identity: Identity;
  requestId: string;
  /** Who is counted for rate limits and APQ registrations (router/src/edge/rate-limit.ts, clientOf). */
  client: Client;
  /** The signed identity header for one subgraph, made once per request and subgraph on first use. */
  identityToken?: (subgraph: string) => Promise<string>;
  /**
   * A follow-up query the router runs itself for a subscription already checked (a partner's
   * registered one included): the persisted-query rules do not apply to it.
   */
  liveFollowUp?: true;
};
