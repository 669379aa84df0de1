import { randomUUID } from 'node:crypto';
import {
  createMessagingAdmin,
  type DeadLetterData,
  deadLetterJobId,
  deadLetterQueueName,
  type MessagingAdmin,
  redisConnection,
} from '@commerce/service-kit';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { connectDb, type Db } from '../db.ts';
import { discardDeadLetter, retryDeadLetter } from './act-on-dead-letter.ts';

// The audit entry of a staff action is committed before Redis is touched: checked from inside the
// action (the admin below is the real one, on the test Redis, with a look at the audit table as it
// acts), and when Redis fails mid-action (the entry stays REQUESTED, the error reaches the caller).
const env = inject('env');
const prefix = `${env.QUEUE_PREFIX}-audit-${randomUUID().slice(0, 8)}`;
const staff = { userId: randomUUID() };
let db: Db;
let admin: MessagingAdmin;
let deadLetters: Queue<DeadLetterData>;

beforeAll(() => {
  db = connectDb(env.OPERATIONS_DATABASE_URL!);
  const connection = redisConnection(env.REDIS_URL!);
  admin = createMessagingAdmin({ connection, queuePrefix: prefix, units: ['notifications'] });
  deadLetters = new Queue(deadLetterQueueName('notifications'), { connection, prefix });
});
afterAll(async () => {
  await deadLetters?.obliterate({ force: true });
  await new Queue('notifications.events', { connection: redisConnection(env.REDIS_URL!), prefix }).obliterate({
    force: true,
  });
  await Promise.all([deadLetters?.close(), admin?.close(), db?.$disconnect()]);
});

/** A dead letter as the consumer writes one; returns its id as the operations API names it. */
async function putAside(): Promise<string> {
  const jobId = randomUUID();
  await deadLetters.add(
    'dead-letter',
    {
      envelope: { id: jobId, type: 'accounts.user.registered' },
      error: 'invalid event: data: Required',
      attemptsMade: 1,
      originalQueue: 'notifications.events',
      originalJobId: jobId,
      failedAt: new Date().toISOString(),
    },
    { jobId: deadLetterJobId(jobId) },
  );
  return `notifications/${deadLetterJobId(jobId)}`;
}

const entriesOf = (deadLetterId: string) =>
  db.auditEntry.findMany({ where: { deadLetterId }, select: { outcome: true, reason: true, completedAt: true } });

/** The real admin, noting the audit entries of a dead letter at the moment it is acted on. */
function watching(seen: Array<Awaited<ReturnType<typeof entriesOf>>>): MessagingAdmin {
  return {
    ...admin,
    retryDeadLetter: async (id) => {
      seen.push(await entriesOf(id));
      return admin.retryDeadLetter(id);
    },
    discardDeadLetter: async (id) => {
      seen.push(await entriesOf(id));
      return admin.discardDeadLetter(id);
    },
  };
}

describe('staff actions on dead letters are audited first', () => {
  it('a retry finds its REQUESTED entry committed when it touches Redis, and DONE after', async () => {
    const id = await putAside();
    const seen: Array<Awaited<ReturnType<typeof entriesOf>>> = [];
    const entry = await retryDeadLetter(db, watching(seen), staff, id);
    expect(seen).toEqual([[{ outcome: 'REQUESTED', reason: null, completedAt: null }]]);
    expect(entry).toMatchObject({ outcome: 'DONE', queue: 'notifications.events', actorId: staff.userId });
    expect(await entriesOf(id)).toEqual([{ outcome: 'DONE', reason: null, completedAt: expect.any(Date) }]);
  });

  it('a discard finds its REQUESTED entry, with the reason, committed when it touches Redis', async () => {
    const id = await putAside();
    const seen: Array<Awaited<ReturnType<typeof entriesOf>>> = [];
    await discardDeadLetter(db, watching(seen), staff, id, 'a test letter');
    expect(seen).toEqual([[{ outcome: 'REQUESTED', reason: 'a test letter', completedAt: null }]]);
    expect(await admin.listDeadLetters({ first: 10 })).toMatchObject({ items: [] });
  });

  it('when Redis fails mid-action, the entry stays REQUESTED and the error reaches the caller', async () => {
    const id = await putAside();
    const failing: MessagingAdmin = {
      ...admin,
      retryDeadLetter: async () => {
        throw new Error('Connection is closed.');
      },
    };
    await expect(retryDeadLetter(db, failing, staff, id)).rejects.toThrow('Connection is closed.');
    expect(await entriesOf(id)).toEqual([{ outcome: 'REQUESTED', reason: null, completedAt: null }]);
    // Repeating it once Redis is back is safe and completes it.
    await retryDeadLetter(db, admin, staff, id);
    expect((await entriesOf(id)).map((entry) => entry.outcome).sort()).toEqual(['DONE', 'REQUESTED']);
  });

  it('a blank reason is refused before anything is written', async () => {
    const id = await putAside();
    await expect(discardDeadLetter(db, admin, staff, id, ' \t ')).rejects.toMatchObject({
      extensions: { code: 'BAD_USER_INPUT' },
    });
    expect(await entriesOf(id)).toEqual([]);
    expect((await admin.listDeadLetters({ first: 10 })).items.map((letter) => letter.id)).toContain(id);
  });
});
