import { signedInUser } from '@commerce/service-kit';
import type { Resolvers } from './generated/resolvers-types.ts';
import { discardDeadLetter, retryDeadLetter } from './use-cases/act-on-dead-letter.ts';
import { listAuditLog } from './use-cases/audit-log.ts';
import { listDeadLetters } from './use-cases/list-dead-letters.ts';

// Who may call these is declared in schema.graphql (@requiresScopes staff) and enforced before
// any resolver runs, by the router and by startSubgraph.
export const resolvers: Resolvers = {
  Query: {
    deadLetters: (_parent, args, ctx) => listDeadLetters(ctx.queues, args),
    queues: (_parent, _args, ctx) => ctx.queues.queueHealth(),
    auditLog: (_parent, args, ctx) => listAuditLog(ctx.db, args),
  },
  Mutation: {
    retryDeadLetter: (_parent, { id }, ctx) => retryDeadLetter(ctx.db, ctx.queues, signedInUser(ctx.identity), id),
    discardDeadLetter: (_parent, { id, reason }, ctx) =>
      discardDeadLetter(ctx.db, ctx.queues, signedInUser(ctx.identity), id, reason),
  },
  DeadLetter: {
    eventType: (letter) => letter.type,
    payload: (letter) => JSON.stringify(letter.envelope),
    attempts: (letter) => letter.attemptsMade,
    deadLetteredAt: (letter) => letter.failedAt,
  },
  AuditEntry: {
    actor: (entry) => ({ __typename: 'User', id: entry.actorId }),
    at: (entry) => entry.createdAt.toISOString(),
  },
};
