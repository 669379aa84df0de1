import type { ApolloServerPlugin } from '@apollo/server';
import { type Identity, requestError } from '@commerce/service-kit';
import type { RouterContext } from '../context.ts';
import { selectsIntrospection } from './persisted-queries-manifest.ts';

/**
 * Who may introspect the schema (`__schema`, `__type`; `__typename` is always allowed):
 * `staff` (the default: the playground's users), `all` (local development), or `off`. Frontend
 * code generators read the committed router/api-schema.graphql instead.
 */
export type IntrospectionPolicy = 'staff' | 'all' | 'off';

export function mayIntrospect(policy: IntrospectionPolicy, identity: Identity): boolean {
  if (policy === 'all') return true;
  return policy === 'staff' && identity.kind === 'user' && identity.role === 'STAFF';
}

/** Refuses introspection (FORBIDDEN, 403) to whoever the policy leaves out, before anything is planned. */
export function introspectionPlugin(policy: IntrospectionPolicy): ApolloServerPlugin<RouterContext> {
  return {
    async requestDidStart({ contextValue }) {
      if (mayIntrospect(policy, contextValue.identity)) return;
      return {
        async didResolveOperation({ document }) {
          if (!selectsIntrospection(document)) return;
          throw requestError(
            'FORBIDDEN',
            policy === 'off'
              ? 'Introspection is turned off; the schema is published as router/api-schema.graphql.'
              : 'Introspection is for staff only; the schema is published as router/api-schema.graphql.',
          );
        },
      };
    },
  };
}
