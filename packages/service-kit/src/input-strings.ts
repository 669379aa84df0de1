import type { ApolloServerPlugin } from '@apollo/server';
import { type DocumentNode, visit } from 'graphql';
import { clientError } from './errors.ts';

/**
 * Refuses a NUL character (U+0000) in any string a client sends, in variables or written in the
 * document, before any resolver runs. PostgreSQL cannot store or compare NUL in text, so such a
 * value would otherwise fail deep in a query as an internal error; no field of ours accepts one.
 */
export function refuseNulInStrings(): ApolloServerPlugin {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ document, request }) {
          const where = nulInValue(request.variables, 'variables') ?? nulInDocument(document);
          if (where) {
            // HTTP 200, as for a field error: the router passes the code on instead of reading a 400 as a fault.
            throw clientError('BAD_USER_INPUT', `${where} contains a NUL character (U+0000), which no field accepts.`, {
              http: { status: 200 },
            });
          }
        },
      };
    },
  };
}

/** Where in a JSON value a string with NUL is, e.g. "variables.input.email", or null. */
export function nulInValue(value: unknown, path: string): string | null {
  if (typeof value === 'string') return value.includes('\u0000') ? path : null;
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) {
      const found = nulInValue(item, `${path}[${index}]`);
      if (found) return found;
    }
    return null;
  }
  if (value && typeof value === 'object') {
    for (const [name, item] of Object.entries(value)) {
      const found = nulInValue(item, `${path}.${name}`) ?? nulInValue(name, `a name in ${path}`);
      if (found) return found;
    }
  }
  return null;
}

function nulInDocument(document: DocumentNode): string | null {
  let found: string | null = null;
  visit(document, {
    StringValue(node) {
      if (node.value.includes('\u0000')) found = 'A string in the query';
    },
  });
  return found;
}
