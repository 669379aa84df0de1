import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { ApolloServer, BaseContext } from '@apollo/server';
import { HeaderMap } from '@apollo/server';
import type { GraphQLError } from 'graphql';
import { REQUEST_ID_HEADER } from './identity.ts';
import type { Logger } from './logger.ts';

export type Route = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

export type GraphQLHttpOptions<TContext extends BaseContext> = {
  apollo: ApolloServer<TContext>;
  context: (req: IncomingMessage) => Promise<TContext>;
  logger: Logger;
  /** Extra routes by exact path (health, metrics); /graphql is served by Apollo. */
  routes?: Record<string, Route>;
  /** Larger request bodies are refused with 413 PAYLOAD_TOO_LARGE. */
  maxBodyBytes?: number;
  /**
   * Looks at a request's query before Apollo parses and validates it; an error returned is the
   * answer (its `extensions.http.status`, else 400). The router measures documents here.
   */
  screen?: (query: string, variables: Record<string, unknown>) => GraphQLError | undefined;
};

const SANE_REQUEST_ID = /^[\w-]{8,64}$/;

/**
 * The request id: the caller's `x-request-id` when it looks like one (so a trace crosses the
 * router and every subgraph), else a new one. Written back onto the request, so whatever reads
 * the header later (the context) sees the same id, and returned as a response header.
 */
function adoptRequestId(req: IncomingMessage, res: ServerResponse): string {
  const given = req.headers[REQUEST_ID_HEADER];
  const requestId = typeof given === 'string' && SANE_REQUEST_ID.test(given) ? given : randomUUID();
  req.headers[REQUEST_ID_HEADER] = requestId;
  res.setHeader(REQUEST_ID_HEADER, requestId);
  return requestId;
}

/** The id graphqlHandler settled on for this request (see adoptRequestId). */
export function requestIdOf(req: IncomingMessage): string {
  return req.headers[REQUEST_ID_HEADER] as string;
}

const OPERATION_NAME = /^\s*(?:query|mutation|subscription)\s+([_A-Za-z][_0-9A-Za-z]*)/;

/** The operation's name for logs: the one the client gave, else the one written in the document. */
function operationNameOf(body: unknown, search: URLSearchParams): string | undefined {
  const request = (typeof body === 'object' && body !== null ? body : Object.fromEntries(search)) as {
    operationName?: unknown;
    query?: unknown;
  };
  if (typeof request.operationName === 'string' && request.operationName) return request.operationName.slice(0, 100);
  return typeof request.query === 'string' ? OPERATION_NAME.exec(request.query)?.[1] : undefined;
}

class BodyTooLarge extends Error {}

async function readBody(req: IncomingMessage, limit: number): Promise<string> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) throw new BodyTooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new BodyTooLarge();
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
  res.end(JSON.stringify(body));
}

function sendError(res: ServerResponse, status: number, code: string, message: string) {
  sendJson(res, status, { errors: [{ message, extensions: { code } }] });
}

/** The query and variables of a request, from a JSON body or from the URL of a GET. */
function queryOf(
  body: unknown,
  search: URLSearchParams,
): { query: string; variables: Record<string, unknown> } | undefined {
  if (typeof body === 'object' && body !== null && !Array.isArray(body)) {
    const { query, variables } = body as { query?: unknown; variables?: unknown };
    if (typeof query !== 'string') return undefined;
    const given = typeof variables === 'object' && variables !== null ? (variables as Record<string, unknown>) : {};
    return { query, variables: given };
  }
  const query = search.get('query');
  if (query === null) return undefined;
  try {
    const variables = JSON.parse(search.get('variables') ?? '{}') as unknown;
    return {
      query,
      variables: typeof variables === 'object' && variables !== null ? (variables as Record<string, unknown>) : {},
    };
  } catch {
    return { query, variables: {} }; // Apollo refuses the malformed variables itself
  }
}

/** Answers with one request error (see requestError): its status (else 400), headers, code and message. */
export function sendRequestError(res: ServerResponse, error: GraphQLError) {
  const { http, ...extensions } = error.extensions as { http?: { status?: number; headers?: Map<string, string> } };
  sendJson(
    res,
    http?.status ?? 400,
    { errors: [{ message: error.message, extensions }] },
    Object.fromEntries(http?.headers ?? []),
  );
}

/** A request handler that serves an Apollo Server at /graphql on a plain Node HTTP server. */
export function graphqlHandler<TContext extends BaseContext>(options: GraphQLHttpOptions<TContext>) {
  const { apollo, context, logger, routes = {}, maxBodyBytes = 1_000_000, screen } = options;

  return async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const started = performance.now();
    const requestId = adoptRequestId(req, res);
    let operationName: string | undefined;
    // One line per request, with what a person needs to find it again: id, operation, outcome, time.
    res.once('finish', () => {
      const line = {
        requestId,
        method: req.method,
        path: url.pathname,
        operationName,
        status: res.statusCode,
        durationMs: Math.round((performance.now() - started) * 10) / 10,
      };
      if (url.pathname === '/graphql') logger.info(line, 'request');
      else logger.debug(line, 'request'); // probes and scrapes: every few seconds, not worth info
    });
    try {
      const route = routes[url.pathname];
      if (route) return await route(req, res);
      if (url.pathname !== '/graphql')
        return sendError(res, 404, 'NOT_FOUND', `Nothing at ${url.pathname}; GraphQL is at /graphql.`);

      let body: unknown;
      if (req.method === 'POST') {
        const text = await readBody(req, maxBodyBytes);
        const contentType = req.headers['content-type'] ?? '';
        if (contentType.startsWith('application/json')) {
          try {
            body = text ? JSON.parse(text) : undefined;
          } catch {
            return sendError(res, 400, 'BAD_REQUEST', 'The request body is not valid JSON.');
          }
        } else {
          body = text;
        }
      }

      operationName = operationNameOf(body, url.searchParams);
      const sent = screen ? queryOf(body, url.searchParams) : undefined;
      const refusal = sent && screen?.(sent.query, sent.variables);
      if (refusal) return sendRequestError(res, refusal);
      const headers = new HeaderMap();
      for (const [name, value] of Object.entries(req.headers)) {
        if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
      }
      const response = await apollo.executeHTTPGraphQLRequest({
        httpGraphQLRequest: { method: req.method ?? 'GET', headers, search: url.search, body },
        context: () => context(req),
      });
      for (const [name, value] of response.headers) res.setHeader(name, value);
      res.statusCode = response.status ?? 200;
      if (response.body.kind === 'complete') {
        res.end(response.body.string);
      } else {
        for await (const chunk of response.body.asyncIterator) res.write(chunk);
        res.end();
      }
    } catch (error) {
      if (error instanceof BodyTooLarge) {
        res.setHeader('connection', 'close'); // the rest of the body is not read
        return sendError(res, 413, 'PAYLOAD_TOO_LARGE', `The request body is larger than ${maxBodyBytes} bytes.`);
      }
      logger.error({ err: error, path: url.pathname }, 'request failed');
      if (!res.headersSent)
        sendError(res, 500, 'INTERNAL_SERVER_ERROR', 'Something went wrong on our side; it has been logged.');
      else res.end();
    }
  };
}

export async function listen(server: Server, port: number, host = '127.0.0.1'): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

export function createHttpServer(handler: (req: IncomingMessage, res: ServerResponse) => Promise<void>): Server {
  const server = createServer((req, res) => void handler(req, res));
  server.keepAliveTimeout = 65_000;
  return server;
}

/** Stops accepting connections, closes idle keep-alive ones, and resolves once in-flight requests end. */
export function closeServer(server: Server): Promise<void> {
  return new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
  });
}
