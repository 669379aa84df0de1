import { readFileSync } from 'node:fs';
import type { ApolloServerPlugin, GraphQLRequest, GraphQLRequestListener } from '@apollo/server';
import { type Logger, type Redis, requestError } from '@commerce/service-kit';
import type { GraphQLError } from 'graphql';
import { z } from 'zod';
import type { RouterContext } from '../context.ts';
import { selectsIntrospection, sha256 } from './persisted-queries-manifest.ts';

/**
 * Persisted queries, two kinds:
 * - APQ for first-party clients: a client sends the SHA-256 of its query; on a miss
 *   (PERSISTED_QUERY_NOT_FOUND) it sends both once, and the pair is kept in Redis, shared by
 *   every router replica.
 * - A safelist for partners: the operations in router/persisted-query-manifest.json (generated
 *   from router/operations/*.graphql). A partner names one by id and nothing else runs.
 */

export const DEFAULT_MANIFEST_PATH = new URL('../../persisted-query-manifest.json', import.meta.url);

const manifestSchema = z.object({
  format: z.literal('apollo-persisted-query-manifest'),
  version: z.literal(1),
  operations: z.array(
    z.object({
      id: z.string().regex(/^[0-9a-f]{64}$/),
      name: z.string().min(1),
      type: z.enum(['query', 'mutation', 'subscription']),
      body: z.string().min(1),
    }),
  ),
});
export type PersistedQueryManifest = z.infer<typeof manifestSchema>;
export type RegisteredOperation = PersistedQueryManifest['operations'][number];

/** The safelist by id. A manifest whose id is not the hash of its body stops the router. */
export function loadManifest(path: string | URL = DEFAULT_MANIFEST_PATH): Map<string, RegisteredOperation> {
  const manifest = manifestSchema.parse(JSON.parse(readFileSync(path, 'utf8')));
  for (const operation of manifest.operations) {
    if (operation.id !== sha256(operation.body)) {
      throw new Error(`Persisted query ${operation.name}: its id is not the SHA-256 of its body (${path})`);
    }
  }
  return new Map(manifest.operations.map((operation) => [operation.id, operation]));
}

const APQ_PREFIX = 'commerce:apq:';

/**
 * Apollo's KeyValueCache over Redis, for APQ, on a connection of its own (not the rate limiter's).
 * Redis trouble is a cache miss, never a failed request.
 */
export function redisApqCache(redis: Redis, logger: Logger) {
  const prefix = APQ_PREFIX;
  // Failures are logged per command below; the connection's own reconnect errors would repeat them.
  redis.on('error', () => {});
  return {
    async get(key: string): Promise<string | undefined> {
      try {
        return (await redis.get(prefix + key)) ?? undefined;
      } catch (error) {
        logger.warn({ err: error }, 'APQ cache read failed; treated as a miss');
        return undefined;
      }
    },
    async set(key: string, value: string, options?: { ttl?: number | null }): Promise<void> {
      try {
        if (options?.ttl) await redis.set(prefix + key, value, 'EX', options.ttl);
        else await redis.set(prefix + key, value);
      } catch (error) {
        logger.warn({ err: error }, 'APQ cache write failed; the query ran without being kept');
      }
    },
    async delete(key: string): Promise<boolean> {
      try {
        return (await redis.del(prefix + key)) > 0;
      } catch {
        return false;
      }
    },
  };
}

type RequestedId = { id: string; form: 'apq' | 'documentId' };

/**
 * The operation id named by `extensions.persistedQuery.sha256Hash`, or by a `documentId`: over HTTP
 * (below) and in a WebSocket subscribe message (router/src/subscriptions/server.ts).
 */
export function namedOperationId(
  extensions: Record<string, unknown> | null | undefined,
  documentId: unknown,
): RequestedId | undefined {
  const hash = (extensions?.persistedQuery as { sha256Hash?: unknown } | undefined)?.sha256Hash;
  if (typeof hash === 'string') return { id: hash, form: 'apq' };
  // The GraphQL-over-HTTP draft writes ids as `sha256:<hex>`; a bare hex hash is accepted too.
  if (typeof documentId === 'string') return { id: documentId.replace(/^sha256:/, ''), form: 'documentId' };
  return undefined;
}

/** The operation id a request names: `extensions.persistedQuery.sha256Hash`, or `documentId` (body or URL). */
export function requestedId(request: GraphQLRequest): RequestedId | undefined {
  const http = request.http;
  const fromBody = (http?.body as { documentId?: unknown } | undefined)?.documentId;
  const documentId =
    typeof fromBody === 'string' ? fromBody : (new URLSearchParams(http?.search ?? '').get('documentId') ?? undefined);
  return namedOperationId(request.extensions, documentId);
}

const notInList = (message: string) => requestError('PERSISTED_QUERY_NOT_IN_LIST', message);

/**
 * Stands in for a refused request's own query, so that nothing of it is parsed, validated or
 * planned: Apollo Server answers a throw from `requestDidStart` with a 500, but a throw from
 * `didResolveOperation` with the error's own status; the stand-in gets the request there.
 */
const STAND_IN = '{ __typename }';

function refuse(request: GraphQLRequest, error: GraphQLError): GraphQLRequestListener<RouterContext> {
  request.query = STAND_IN;
  dropPersistedQuery(request);
  return {
    async didResolveOperation() {
      throw error;
    },
  };
}

function dropPersistedQuery(request: GraphQLRequest) {
  if (request.extensions?.persistedQuery) {
    const { persistedQuery: _dropped, ...rest } = request.extensions;
    request.extensions = rest;
  }
}

/**
 * What one client may store as APQ entries: queries up to `maxQueryBytes` long, `maxRegistrations`
 * of them per `windowSeconds` (counted in Redis per client, as rate limits are: a user by id, an
 * anonymous caller by address). Without bounds anyone could fill Redis with megabyte entries.
 */
export type ApqBounds = {
  redis: Redis;
  /** Where the counters live, beside the rate limits' (RATE_LIMIT_KEY_PREFIX). */
  keyPrefix: string;
  maxQueryBytes: number;
  maxRegistrations: number;
  windowSeconds: number;
  logger: Logger;
};

/** Counts one registration for the client; how many it made this window and ms until it ends (undefined: Redis down). */
async function countRegistration(bounds: ApqBounds, clientKey: string): Promise<[number, number] | undefined> {
  const key = `${bounds.keyPrefix}:apq-registrations:${clientKey}`;
  try {
    const replies = await bounds.redis
      .multi()
      .incr(key)
      .pexpire(key, bounds.windowSeconds * 1000, 'NX')
      .pttl(key)
      .exec();
    return [Number(replies?.[0]?.[1]), Number(replies?.[2]?.[1])];
  } catch (error) {
    // Like the cache itself: with Redis down nothing is kept, so there is nothing to bound.
    bounds.logger.warn({ err: error }, 'APQ registrations not counted: Redis does not answer');
    return undefined;
  }
}

/** The refusal of a registration over the bounds, or undefined when it may be kept. */
async function registrationRefused(bounds: ApqBounds, query: string, clientKey: string) {
  const bytes = Buffer.byteLength(query, 'utf8');
  if (bytes > bounds.maxQueryBytes) {
    return requestError(
      'PERSISTED_QUERY_TOO_LARGE',
      `Queries longer than ${bounds.maxQueryBytes} bytes cannot be stored as persisted queries (this one has ${bytes}); send it without \`extensions.persistedQuery\`.`,
      { details: { maximum: bounds.maxQueryBytes, actual: bytes } },
    );
  }
  const counted = await countRegistration(bounds, clientKey);
  if (!counted || counted[0] <= bounds.maxRegistrations) return undefined;
  const retryAfter = Math.max(1, Math.ceil(counted[1] / 1000));
  return requestError(
    'RATE_LIMITED',
    `Too many persisted queries stored: ${bounds.maxRegistrations} per ${bounds.windowSeconds} s are allowed. Send the query without \`extensions.persistedQuery\`, or try again in ${retryAfter} s.`,
    { headers: { 'retry-after': String(retryAfter) }, details: { retryAfterSeconds: retryAfter } },
  );
}

/**
 * Partners run registered operations only; anything else is refused before it is parsed, so no
 * subgraph is ever called for it (PERSISTED_QUERY_NOT_IN_LIST, 400). Introspection is refused to
 * partners even when registered. Anyone may name a registered operation by `documentId`.
 * Other clients' APQ registrations (a hash with its query) are held to `apq`'s bounds.
 */
export function persistedQueriesPlugin(
  manifest: Map<string, RegisteredOperation>,
  apq: ApqBounds,
): ApolloServerPlugin<RouterContext> {
  return {
    async requestDidStart({ request, contextValue }) {
      if (contextValue.liveFollowUp) return;
      const named = requestedId(request);
      if (contextValue.identity.kind !== 'partner') {
        if (named?.form === 'documentId' && request.query === undefined) {
          const operation = manifest.get(named.id);
          if (!operation) return refuse(request, notInList(`No registered operation has the id ${named.id}.`));
          request.query = operation.body;
        }
        if (named?.form === 'apq' && request.query !== undefined) {
          if (sha256(request.query) !== named.id) {
            // Apollo Server refuses this too, but as an unnamed error that reads as an internal fault.
            return refuse(
              request,
              requestError('BAD_REQUEST', 'The persisted query hash is not the SHA-256 of the query sent with it.'),
            );
          }
          const refused = await registrationRefused(apq, request.query, contextValue.client.key);
          if (refused) return refuse(request, refused);
        }
        return;
      }

      if (!named) {
        return refuse(
          request,
          notInList(
            'Partners may run registered operations only: send the id of one as `documentId` ' +
              'or `extensions.persistedQuery.sha256Hash`, without a query.',
          ),
        );
      }
      const operation = manifest.get(named.id);
      if (!operation) return refuse(request, notInList(`No registered operation has the id ${named.id}.`));
      if (request.query !== undefined && request.query !== operation.body) {
        return refuse(request, notInList('Send only the id of a registered operation, not a query of your own.'));
      }
      request.query = operation.body;
      // The operation comes from the manifest: nothing of a partner's goes into the APQ cache.
      dropPersistedQuery(request);
      return {
        async didResolveOperation({ document }) {
          if (selectsIntrospection(document)) {
            throw requestError('FORBIDDEN', 'Introspection is not available to partners.');
          }
        },
      };
    },
  };
}
