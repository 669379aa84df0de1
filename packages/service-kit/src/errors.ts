import { GraphQLError } from 'graphql';

/** The codes a client can act on. One list for every unit and the router. */
export const ErrorCode = {
  BAD_USER_INPUT: 'BAD_USER_INPUT',
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  FORBIDDEN: 'FORBIDDEN',
  NOT_FOUND: 'NOT_FOUND',
  CONFLICT: 'CONFLICT',
  OUT_OF_STOCK: 'OUT_OF_STOCK',
  RATE_LIMITED: 'RATE_LIMITED',
  PERSISTED_QUERY_NOT_IN_LIST: 'PERSISTED_QUERY_NOT_IN_LIST',
  SUBGRAPH_UNAVAILABLE: 'SUBGRAPH_UNAVAILABLE',
  INTERNAL_SERVER_ERROR: 'INTERNAL_SERVER_ERROR',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

const httpStatusOf: Partial<Record<ErrorCode, number>> = {
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  RATE_LIMITED: 429,
};

/** An error meant for the client: a code from the list and a sentence a person understands. */
export function clientError(code: ErrorCode, message: string, details?: Record<string, unknown>): GraphQLError {
  return new GraphQLError(message, { extensions: { code, ...details } });
}

/** Like clientError, but also sets the HTTP status when it rejects the whole request. */
export function requestError(code: ErrorCode, message: string): GraphQLError {
  const status = httpStatusOf[code];
  return new GraphQLError(message, {
    extensions: { code, ...(status ? { http: { status } } : {}) },
  });
}

const clientCodes = new Set<string>([
  ...Object.values(ErrorCode),
  // Apollo Server's own request-level codes are safe to show as they are.
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  'OPERATION_RESOLUTION_FAILURE',
  'BAD_REQUEST',
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
