import { clientError, type MessagingAdmin } from '@commerce/service-kit';
import type { Db } from '../db.ts';
import type { AuditEntry, StaffActionKind } from '../generated/prisma/client.ts';

type Staff = { userId: string };

const MAX_REASON_LENGTH = 1000;
/** Ids are `<unit>/<job id>`; anything longer than this was never one. */
const MAX_DEAD_LETTER_ID_LENGTH = 300;

/**
 * The action acts on Redis and its audit entry lives in Postgres: no transaction spans both. So
 * the entry is committed first, as REQUESTED, before Redis is touched, and marked DONE (or
 * NOT_FOUND) after. Whatever fails in between (Redis down, the process killed), the log never
 * misses an action that happened; at worst it holds a REQUESTED entry whose outcome is unknown.
 * Repeating either action is safe, which makes that acceptable: a retry re-adds under a job id
 * derived from the dead letter's (BullMQ drops a second copy, the consumer's inbox skips an event
 * it applied), and a discard of a letter already gone is NOT_FOUND.
 */
async function audited(
  db: Db,
  request: { actor: Staff; action: StaffActionKind; deadLetterId: string; reason?: string },
  act: () => Promise<{ queue: string | null } | null>,
): Promise<AuditEntry> {
  if (request.deadLetterId.length > MAX_DEAD_LETTER_ID_LENGTH) throw notFound(request.deadLetterId);
  const requested = await db.auditEntry.create({
    data: {
      actorId: request.actor.userId,
      action: request.action,
      deadLetterId: request.deadLetterId,
      reason: request.reason ?? null,
    },
  });
  const done = await act();
  const entry = await db.auditEntry.update({
    where: { id: requested.id },
    data: { outcome: done ? 'DONE' : 'NOT_FOUND', queue: done?.queue ?? null, completedAt: new Date() },
  });
  if (!done) throw notFound(request.deadLetterId);
  return entry;
}

const notFound = (id: string) =>
  clientError('NOT_FOUND', `There is no dead letter ${JSON.stringify(id)} (it may have been retried or discarded).`);

/** Puts a dead letter back on its original queue, with its original envelope and event id. */
export async function retryDeadLetter(db: Db, queues: MessagingAdmin, actor: Staff, deadLetterId: string) {
  return audited(db, { actor, action: 'RETRY_DEAD_LETTER', deadLetterId }, async () => {
    const retried = await queues.retryDeadLetter(deadLetterId);
    return retried && { queue: retried.queue };
  });
}

/** Deletes a dead letter for good; staff must say why. */
export async function discardDeadLetter(
  db: Db,
  queues: MessagingAdmin,
  actor: Staff,
  deadLetterId: string,
  reason: string,
) {
  const why = reason.trim();
  if (why.length === 0) throw clientError('BAD_USER_INPUT', 'Say why the dead letter is discarded: `reason` is blank.');
  if (why.length > MAX_REASON_LENGTH) {
    throw clientError('BAD_USER_INPUT', `\`reason\` is longer than ${MAX_REASON_LENGTH} characters.`);
  }
  return audited(db, { actor, action: 'DISCARD_DEAD_LETTER', deadLetterId, reason: why }, async () =>
    (await queues.discardDeadLetter(deadLetterId)) ? { queue: null } : null,
  );
}
