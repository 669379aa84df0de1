import type { ApolloServerPlugin } from '@apollo/server';
import { authorizationError, readAuthorizationRequirements, refusedFields } from '@commerce/service-kit';
import { parse } from 'graphql';
import type { RouterContext } from '../context.ts';

/**
 * Enforces the supergraph's `@authenticated` and `@requiresScopes` before the gateway plans, as
 * Apollo Router does (the rules and scopes: packages/service-kit/src/authorization.ts). The API
 * schema the gateway serves carries no directives, so the requirements are read from the composed
 * supergraph once, at start. A field the caller may not use refuses the whole operation:
 * UNAUTHENTICATED (401) for an anonymous caller, FORBIDDEN (403) otherwise, naming the fields.
 * It runs for every operation, partners' registered ones included.
 */
export function authorizationPlugin(supergraphSdl: string): ApolloServerPlugin<RouterContext> {
  const requirements = readAuthorizationRequirements(parse(supergraphSdl));
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ schema, document, operation, contextValue }) {
          const refusal = refusedFields(schema, document, operation, requirements, contextValue.identity);
          if (refusal) throw authorizationError(refusal, contextValue.identity);
        },
      };
    },
  };
}

const SECURITY_LINK =
  /(@link\(url: "https:\/\/specs\.apollo\.dev\/(?:authenticated|requiresScopes)\/v0\.1"), for: SECURITY\)/g;

/**
 * @apollo/gateway refuses a supergraph whose security features (`for: SECURITY`) it does not
 * enforce itself, and it enforces neither `@authenticated` nor `@requiresScopes`. The plugin above
 * does, so the gateway gets the supergraph with those two links no longer marked for security.
 * Any other security feature still stops the gateway from loading, as it should.
 */
export function supergraphForGateway(supergraphSdl: string): string {
  return supergraphSdl.replace(SECURITY_LINK, '$1)');
}
