import type { Identity } from '@commerce/service-kit';

export type RouterContext = {
  identity: Identity;
  requestId: string;
  /** The signed identity header for subgraphs, made once per request on first use. */
  identityToken?: () => Promise<string>;
};
