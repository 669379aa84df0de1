import type { IncomingMessage, Server } from 'node:http';
import type { ApolloServer } from '@apollo/server';
import { type AuthorizationRequirements, type Identity, type Logger, rightsOf } from '@commerce/service-kit';
import type { GraphQLSchema } from 'graphql';
import type { Context as WsContext } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import type { RouterContext } from '../context.ts';
import type { DocumentLimits } from '../edge/limits.ts';
import { namedOperationId, type RegisteredOperation } from '../edge/persisted-queries.ts';
import type { Client, RateLimiter } from '../edge/rate-limit.ts';
import type { RouterMetrics } from '../ops/metrics.ts';
import { asLiveError, type GraphQLError, graphql, liveError } from './graphql.ts';
import { isStreamId, type LiveEntry, type LiveStreams } from './live-streams.ts';
import {
  assembleUpdate,
  type FollowUpResult,
  followUpVariables,
  type PreparedSubscription,
  prepareOperation,
  type UpdatePayload,
  visibilityQuery,
} from './operation.ts';
import { LiveSubscriber } from './subscriber.ts';

/** Close codes of our own (graphql-ws uses 44xx; 4403 is its Forbidden, which a bad token gets). */
export const CLOSE_TOO_SLOW = 4008;
export const CLOSE_TOO_MANY_CONNECTIONS = 4009;
export const CLOSE_SHUTTING_DOWN = 1001;

/** Who a socket belongs to, from its `connection_init` payload. */
export type Connected = { identity: Identity; client: Client; expiresAt?: number };

export type LiveServerSettings = {
  /** How long live updates are kept for a reconnecting subscriber (the relays trim to the same window). */
  windowSeconds: number;
  /** Sockets one client (user, partner, or anonymous address) may hold at once. */
  maxConnectionsPerClient: number;
  /** Subscriptions one socket may hold at once. */
  maxSubscriptionsPerConnection: number;
  /** Updates waiting for one subscription before its client is closed as too slow. */
  maxBuffered: number;
  /** WebSocket ping interval; a client that misses a pong for as long is dropped. */
  keepAliveMs: number;
  maxMessageBytes: number;
};

export type LiveServerOptions = {
  httpServer: Server;
  path: string;
  apollo: ApolloServer<RouterContext>;
  schema: () => GraphQLSchema | undefined;
  limits: DocumentLimits;
  requirements: AuthorizationRequirements;
  streams: LiveStreams;
  manifest: Map<string, RegisteredOperation>;
  rateLimiter: RateLimiter;
  /** Checks the `connection_init` payload; throws a GraphQLError (UNAUTHENTICATED…) to refuse it. */
  authenticate: (params: Record<string, unknown>, request: IncomingMessage) => Promise<Connected>;
  /** The context a follow-up query runs in: the subscriber's identity, signed for each subgraph. */
  contextFor: (connected: Connected, followUp: boolean) => RouterContext;
  originAllowed: (origin: string) => boolean;
  settings: LiveServerSettings;
  metrics: RouterMetrics;
  logger: Logger;
};

type Connection = {
  connected?: Connected;
  expired: boolean;
  /** Every subscription of the socket (bounded by maxSubscriptionsPerConnection). */
  subscribers: Set<LiveSubscriber>;
  /** Those running with the connection's own credentials: they end when its token expires. */
  onConnectionToken: Set<LiveSubscriber>;
  expiry?: NodeJS.Timeout;
  counted?: string;
};

type SubscribeArgs = { subscriber: LiveSubscriber; after?: string } | { single: SingleRequest };
type SingleRequest = {
  query: string;
  operationName?: string;
  variables?: Record<string, unknown>;
  extensions?: Record<string, unknown>;
  connected: Connected;
};

const SHARE_MS = 2000;
/** How long a client closed for reading too slowly has to read up to the close frame. */
const SLOW_CLIENT_GRACE_MS = 10_000;
const EXPIRED = 'Your session has expired; sign in again.';
/** A subscription's last update when the token it runs with expires. */
const expiredUpdate = (): UpdatePayload => ({
  data: null,
  errors: [{ message: EXPIRED, extensions: { code: 'UNAUTHENTICATED' } }],
});

/** Calls `then` when a token expires (a timer's longest delay at most). */
const atExpiry = (expiresAt: number, then: () => void) =>
  setTimeout(then, Math.max(0, Math.min(expiresAt - Date.now(), 2 ** 31 - 1)));

/** A client-facing error from any copy of graphql (service-kit's requestError included). */
function toLiveError(error: unknown, logger: Logger): GraphQLError {
  const known = error as { message?: string; extensions?: { code?: unknown } };
  if (typeof known?.extensions?.code === 'string' && known.extensions.code !== 'INTERNAL_SERVER_ERROR') {
    const { http: _http, ...extensions } = known.extensions as Record<string, unknown>;
    return asLiveError({ message: known.message ?? 'Refused.', extensions });
  }
  logger.error({ err: error }, 'live subscriptions: internal error');
  return liveError('INTERNAL_SERVER_ERROR', 'Internal server error');
}

const hasCredentials = (headers: Record<string, unknown>) =>
  Object.keys(headers).some((name) => ['authorization', 'x-api-key'].includes(name.toLowerCase()));

/**
 * GraphQL over WebSocket (graphql-transport-ws) on the router's own port and path. Subscriptions
 * are checked as queries are over HTTP (limits, validation, authorisation, partners' registered
 * operations) and fed from the units' live streams; for each update the router runs a follow-up
 * query of the subscriber's selection through the gateway with the subscriber's rights, shared by
 * every subscriber asking the same thing with the same rights. Queries and mutations sent over
 * the socket run through Apollo as over HTTP.
 */
export function startLiveServer(options: LiveServerOptions) {
  const { apollo, streams, settings, metrics, logger } = options;
  const log = logger.child({ component: 'subscriptions' });
  const connections = new Map<WsContext, Connection>();
  const perClient = new Map<string, number>();
  const inFlight = new Map<string, Promise<FollowUpResult>>();

  const wss = new WebSocketServer({
    server: options.httpServer,
    path: options.path,
    maxPayload: settings.maxMessageBytes,
    // A browser page from another origin may not open a socket here (the playground's own may).
    verifyClient: ({ origin }: { origin?: string }) => !origin || options.originAllowed(origin),
  });

  async function runQuery(
    request: {
      query: string;
      operationName?: string;
      variables?: Record<string, unknown>;
      extensions?: Record<string, unknown>;
    },
    connected: Connected,
    followUp = true,
  ): Promise<FollowUpResult> {
    const response = await apollo.executeOperation(request, { contextValue: options.contextFor(connected, followUp) });
    if (response.body.kind !== 'single') throw new Error('an incremental answer to a follow-up query');
    const { data, errors } = response.body.singleResult;
    return { data: data as Record<string, unknown> | null | undefined, errors };
  }

  function payloadOf(
    prepared: PreparedSubscription,
    connected: Connected,
    entry: LiveEntry,
  ): Promise<UpdatePayload | undefined> {
    if (!prepared.followUp.query) return Promise.resolve(assembleUpdate(prepared, entry.update, entry.id, undefined));
    const key = `${entry.id}\n${rightsOf(connected.identity)}\n${prepared.followUpKey}`;
    let result = inFlight.get(key);
    if (!result) {
      metrics.liveFollowUps.inc();
      result = runQuery(
        {
          query: prepared.followUp.query,
          operationName: prepared.followUp.operationName,
          variables: followUpVariables(prepared.followUp, entry.update.key),
        },
        connected,
      );
      inFlight.set(key, result);
      const forget = () => setTimeout(() => inFlight.delete(key), SHARE_MS).unref();
      result.then(forget, forget);
    }
    return result.then((answer) => {
      const payload = assembleUpdate(prepared, entry.update, entry.id, answer);
      if (payload) metrics.liveUpdates.inc();
      return payload;
    });
  }

  /** The document a subscribe message names: its query, or a registered operation (partners: only those). */
  function documentOf(
    payload: { query: string; extensions?: Record<string, unknown> | null } & Record<string, unknown>,
    identity: Identity,
  ): { query: string; extensions?: Record<string, unknown> } | GraphQLError {
    const named = namedOperationId(payload.extensions, payload.documentId)?.id;
    if (named === undefined) {
      if (identity.kind === 'partner') {
        return liveError(
          'PERSISTED_QUERY_NOT_IN_LIST',
          'Partners may run registered operations only: send the id of one as `extensions.persistedQuery.sha256Hash` or `documentId`, with an empty query.',
        );
      }
      return { query: payload.query };
    }
    const operation = options.manifest.get(named);
    if (!operation) return liveError('PERSISTED_QUERY_NOT_IN_LIST', `No registered operation has the id ${named}.`);
    if (payload.query !== '' && payload.query !== operation.body) {
      return liveError(
        'PERSISTED_QUERY_NOT_IN_LIST',
        'Send only the id of a registered operation, not a query of your own.',
      );
    }
    return {
      query: operation.body,
      extensions: { persistedQuery: { version: 1, sha256Hash: named } },
    };
  }

  function cursorRefused(after: unknown): GraphQLError | undefined {
    if (after === undefined || after === null) return undefined;
    if (typeof after !== 'string' || !isStreamId(after)) {
      return liveError('BAD_USER_INPUT', '`after` must be a `cursor` from an earlier update of this subscription.');
    }
    if (Number(after.split('-')[0]) < Date.now() - settings.windowSeconds * 1000) {
      return liveError(
        'CURSOR_EXPIRED',
        `This cursor is older than the ${settings.windowSeconds} s for which updates are kept: fetch what you need again, then subscribe without \`after\`.`,
        { windowSeconds: settings.windowSeconds },
      );
    }
    return undefined;
  }

  function expire(connection: Connection) {
    connection.expired = true;
    for (const subscriber of connection.onConnectionToken) subscriber.finish(expiredUpdate());
  }

  const server = useServer<Record<string, unknown>, { socket: import('ws').WebSocket; request: IncomingMessage }>(
    {
      connectionInitWaitTimeout: 5000,
      onConnect: async (ctx) => {
        const connection: Connection = { expired: false, subscribers: new Set(), onConnectionToken: new Set() };
        connections.set(ctx, connection);
        let connected: Connected;
        try {
          connected = await options.authenticate(ctx.connectionParams ?? {}, ctx.extra.request);
        } catch (error) {
          log.debug({ err: error }, 'socket refused at connection_init');
          return false; // 4403 Forbidden
        }
        const count = perClient.get(connected.client.key) ?? 0;
        if (count >= settings.maxConnectionsPerClient) {
          ctx.extra.socket.close(
            CLOSE_TOO_MANY_CONNECTIONS,
            `Too many connections: ${settings.maxConnectionsPerClient} per client are allowed.`,
          );
          return false;
        }
        perClient.set(connected.client.key, count + 1);
        connection.counted = connected.client.key;
        connection.connected = connected;
        if (connected.expiresAt !== undefined)
          connection.expiry = atExpiry(connected.expiresAt, () => expire(connection));
        metrics.liveConnections.inc();
        return true;
      },
      onClose: (ctx) => {
        const connection = connections.get(ctx);
        connections.delete(ctx);
        if (!connection) return;
        clearTimeout(connection.expiry);
        for (const subscriber of connection.subscribers) void subscriber.return();
        if (connection.counted) {
          const left = (perClient.get(connection.counted) ?? 1) - 1;
          if (left > 0) perClient.set(connection.counted, left);
          else perClient.delete(connection.counted);
          metrics.liveConnections.dec();
        }
      },
      onSubscribe: async (ctx, _id, payload) => {
        const connection = connections.get(ctx);
        if (!connection?.connected) return [liveError('UNAUTHENTICATED', 'Send connection_init first.')];
        try {
          // Credentials may also come with one operation, as GraphiQL sends its headers editor's
          // (`extensions.headers`): that operation runs as whoever they name.
          const headers = payload.extensions?.headers as Record<string, unknown> | undefined;
          const ownCredentials = headers !== undefined && typeof headers === 'object' && hasCredentials(headers);
          const connected = ownCredentials
            ? await options.authenticate(headers, ctx.extra.request)
            : connection.connected;
          if (!ownCredentials && connection.expired) return [liveError('UNAUTHENTICATED', EXPIRED)];
          if (connection.subscribers.size >= settings.maxSubscriptionsPerConnection) {
            return [
              liveError(
                'BAD_REQUEST',
                `Too many subscriptions on this socket: ${settings.maxSubscriptionsPerConnection} are allowed; complete one first.`,
              ),
            ];
          }
          await options.rateLimiter.admit(connected.client);
          const document = documentOf(payload as typeof payload & Record<string, unknown>, connected.identity);
          if (document instanceof graphql.GraphQLError) return [document];
          const schema = options.schema();
          if (!schema) return [liveError('SUBGRAPH_UNAVAILABLE', 'The schema is not loaded yet; try again shortly.')];
          const variables = (payload.variables ?? {}) as Record<string, unknown>;
          const prepared = prepareOperation(
            { query: document.query, operationName: payload.operationName, variables },
            { schema, limits: options.limits, requirements: options.requirements, identity: connected.identity },
          );
          if (prepared.kind === 'refused') return prepared.errors;
          const parsed = prepared.document;
          const operationName = payload.operationName ?? undefined;
          if (prepared.kind === 'single') {
            const single: SingleRequest = {
              query: document.query,
              operationName,
              variables,
              extensions: document.extensions,
              connected,
            };
            return { schema, document: parsed, operationName, contextValue: { single } satisfies SubscribeArgs };
          }
          const subscription = prepared.subscription;
          const after = subscription.args.after as string | undefined;
          const badCursor = cursorRefused(after);
          if (badCursor) return [badCursor];
          const mustSee = subscription.field.mustSee;
          if (mustSee) {
            const key = String(subscription.args[mustSee.argument]);
            const seen = await runQuery(visibilityQuery(mustSee.fetch, key), connected);
            if (!seen.data?.e0) {
              const error = seen.errors?.[0];
              return [
                liveError(String(error?.extensions?.code ?? 'NOT_FOUND'), error?.message ?? `Nothing has id ${key}.`),
              ];
            }
          }
          const subscriber = new LiveSubscriber(subscription, connected.identity, {
            maxBuffered: settings.maxBuffered,
            payloadOf: (entry) => payloadOf(subscription, connected, entry),
            onOverflow: (waiting) => {
              log.warn({ client: connected.client.key, waiting }, 'closing a client that reads too slowly');
              const socket = ctx.extra.socket;
              socket.close(CLOSE_TOO_SLOW, `Closed: the client read too slowly (${waiting} updates were waiting).`);
              // The close frame waits behind what the client has not read; past a grace, drop it.
              setTimeout(() => socket.terminate(), SLOW_CLIENT_GRACE_MS).unref();
            },
          });
          if (ownCredentials) {
            // Its own token ends it when it expires; the connection's expiry is not its.
            if (connected.expiresAt !== undefined) {
              const expiry = atExpiry(connected.expiresAt, () => subscriber.finish(expiredUpdate()));
              subscriber.onRelease(() => clearTimeout(expiry));
            }
          } else {
            connection.onConnectionToken.add(subscriber);
            subscriber.onRelease(() => connection.onConnectionToken.delete(subscriber));
          }
          connection.subscribers.add(subscriber);
          subscriber.onRelease(() => connection.subscribers.delete(subscriber));
          return {
            schema,
            document: parsed,
            operationName,
            contextValue: { subscriber, after } satisfies SubscribeArgs,
          };
        } catch (error) {
          return [toLiveError(error, log)];
        }
      },
      subscribe: async (args) => {
        const { subscriber, after } = args.contextValue as Extract<SubscribeArgs, { subscriber: unknown }>;
        const unit = subscriber.prepared.field.unit;
        if (after) subscriber.holdLive(after);
        subscriber.onRelease(streams.listen(unit, subscriber));
        // The first listener starts the reader, which then learns where the streams end: a
        // subscription waits for it (a second at most, when Redis is away), so it misses nothing.
        await Promise.race([streams.ready, new Promise((resolve) => setTimeout(resolve, 1000).unref())]);
        // Counted once it hears the stream: a client (or test) seeing the gauge rise is subscribed.
        metrics.liveSubscriptions.inc();
        subscriber.onRelease(() => metrics.liveSubscriptions.dec());
        if (after) {
          void (async () => {
            try {
              for await (const entry of streams.replay(unit, after)) subscriber.take(entry);
              subscriber.resume();
            } catch (error) {
              log.warn({ err: error }, 'live subscriptions: missed updates could not be read');
              subscriber.finish({
                data: null,
                errors: [
                  {
                    message: 'The updates missed since `after` cannot be read just now; subscribe again shortly.',
                    extensions: { code: 'SUBGRAPH_UNAVAILABLE' },
                  },
                ],
              });
            }
          })();
        }
        return subscriber as AsyncIterable<never>;
      },
      execute: async (args) => {
        const { single } = args.contextValue as Extract<SubscribeArgs, { single: unknown }>;
        const { connected, ...request } = single;
        return (await runQuery(request, connected, false)) as never;
      },
      // Payloads are built (and errors formatted) here already: sent as they are.
      onNext: (_ctx, _id, _payload, _args, result) => result as never,
    },
    wss,
    settings.keepAliveMs,
  );

  return {
    /** Tells every client it is going away; one that does not answer within a second is dropped. */
    async close() {
      for (const client of wss.clients) client.close(CLOSE_SHUTTING_DOWN, 'The router is shutting down.');
      const grace = setTimeout(() => {
        for (const client of wss.clients) client.terminate();
      }, 1000);
      await server.dispose(); // resolves once every socket is closed
      clearTimeout(grace);
    },
  };
}
