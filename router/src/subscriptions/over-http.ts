import type { ApolloServerPlugin } from '@apollo/server';
import { requestError } from '@commerce/service-kit';

/**
 * A subscription sent over HTTP is refused with a pointer to the socket: the gateway cannot
 * execute subscriptions (it throws, which would reach the client as an internal error).
 */
export function subscriptionsOverHttpPlugin(): ApolloServerPlugin {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operation }) {
          if (operation?.operation !== 'subscription') return;
          throw requestError(
            'BAD_REQUEST',
            'Subscriptions are served over WebSocket: connect to this URL with ws:// (protocol graphql-transport-ws, e.g. the graphql-ws client) and subscribe there.',
          );
        },
      };
    },
  };
}
