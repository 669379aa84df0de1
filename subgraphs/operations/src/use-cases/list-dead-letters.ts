import {
  clientError,
  type DeadLetter,
  deadLetterCursor,
  isDeadLetterCursor,
  type MessagingAdmin,
  type PageRequest,
  pageSize,
} from '@commerce/service-kit';

export type DeadLetterConnectionPage = {
  edges: Array<{ cursor: string; node: DeadLetter }>;
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
};

/**
 * Dead letters newest first, of every watched queue or of one. They live in Redis, not in a
 * table, so the page is the messaging admin's (same `first` rule and cursor checks as every list).
 */
export async function listDeadLetters(
  queues: MessagingAdmin,
  request: PageRequest & { queue?: string | null },
): Promise<DeadLetterConnectionPage> {
  const first = pageSize(request.first);
  if (request.after !== null && request.after !== undefined && !isDeadLetterCursor(request.after)) {
    throw clientError('BAD_USER_INPUT', '`after` is not a cursor from this list of dead letters.');
  }
  const page = await queues.listDeadLetters({ queue: request.queue ?? undefined, first, after: request.after });
  return {
    edges: page.items.map((node) => ({ cursor: deadLetterCursor(node), node })),
    pageInfo: { hasNextPage: page.hasNextPage, endCursor: page.endCursor },
  };
}
