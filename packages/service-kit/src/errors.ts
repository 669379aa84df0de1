import { HeaderMap } from '@apollo/server';
import { GraphQLError } from 'graphql';

/** The codes a client can act on. One list for every unit and the router. */
export const ErrorCode = {
  /** The request itself cannot be run as sent (no operation by that name, several without one). */
  BAD_REQUEST: 'BAD_REQUEST',
  BAD_USER_INPUT: 'BAD_USER_INPUT',
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  FORBIDDEN: 'FORBIDDEN',
  NOT_FOUND: 'NOT_FOUND',
  CONFLICT: 'CONFLICT',
  OUT_OF_STOCK: 'OUT_OF_STOCK',
  RATE_LIMITED: 'RATE_LIMITED',
  PERSISTED_QUERY_NOT_IN_LIST: 'PERSISTED_QUERY_NOT_IN_LIST',
  /** An APQ registration whose query is over APQ_MAX_QUERY_BYTES. */
  PERSISTED_QUERY_TOO_LARGE: 'PERSISTED_QUERY_TOO_LARGE',
  SUBGRAPH_UNAVAILABLE: 'SUBGRAPH_UNAVAILABLE',
  /** Over the router's depth, alias or cost limit for one operation. */
  QUERY_TOO_COMPLEX: 'QUERY_TOO_COMPLEX',
  /** The request body is over the size limit (HTTP 413). */
  PAYLOAD_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  INTERNAL_SERVER_ERROR: 'INTERNAL_SERVER_ERROR',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

const httpStatusOf: Partial<Record<ErrorCode, number>> = {
  BAD_REQUEST: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  PERSISTED_QUERY_NOT_IN_LIST: 400,
  PERSISTED_QUERY_TOO_LARGE: 400,
  RATE_LIMITED: 429,
  QUERY_TOO_COMPLEX: 400,
  PAYLOAD_TOO_LARGE: 413,
  SUBGRAPH_UNAVAILABLE: 503,
};

/** An error meant for the client: a code from the list and a sentence a person understands. */
export function clientError(code: ErrorCode, message: string, details?: Record<string, unknown>): GraphQLError {
  return new GraphQLError(message, { extensions: { code, ...details } });
}

/**
 * Like clientError, but also sets the HTTP status when it rejects the whole request, and any
 * response headers that go with it (`Retry-After` on RATE_LIMITED).
 */
export function requestError(
  code: ErrorCode,
  message: string,
  options: { details?: Record<string, unknown>; headers?: Record<string, string> } = {},
): GraphQLError {
  const extensions: Record<string, unknown> = { code, ...options.details };
  const status = httpStatusOf[code];
  if (status || options.headers) {
    extensions.http = {
      ...(status ? { status } : {}),
      ...(options.headers ? { headers: new HeaderMap(Object.entries(options.headers)) } : {}),
    };
  }
  return new GraphQLError(message, { extensions });
}

const clientCodes = new Set<string>([
  ...Object.values(ErrorCode),
  // Apollo Server's own request-level codes are safe to show as they are.
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  'OPERATION_RESOLUTION_FAILURE',
]);

/**
 * Apollo `formatError`: errors with a known code reach the client as they are; anything else is
 * an internal fault, logged with its detail by the caller and masked here.
 */
export function maskInternalError(
  formatted: { message: string; extensions?: Record<string, unknown> },
  onInternal: (formatted: unknown) => void,
) {
  const code = formatted.extensions?.code;
  if (typeof code === 'string' && clientCodes.has(code) && code !== ErrorCode.INTERNAL_SERVER_ERROR) {
    const { stacktrace: _omit, ...extensions } = formatted.extensions ?? {};
    return { ...formatted, extensions };
  }
  onInternal(formatted);
  return {
    message: 'Something went wrong on our side; it has been logged.',
    extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR },
  };
}
