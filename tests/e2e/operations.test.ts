// Staff look after dead letters through the router: a poison message and an event whose handler
// fails are put aside by a real consumer, listed, counted, retried after the fix (applied once),
// discarded with a reason, and every action is in the audit.
//
// The units' own consumers run in the system's processes on the test run's queues, and they would
// take this file's messages. So the file has queues of its own (a QUEUE_PREFIX under the run's): it
// runs notifications' consumer itself, over notifications' test database, with a handler that fails
// until "the fix"; an operations subgraph in this process watching those queues, over the test
// operations database; and a router in this process that reaches it (every other subgraph is the
// system's, so `actor { email }` resolves through the real accounts).
import { randomUUID } from 'node:crypto';
import { userRegistered } from '@commerce/events';
import {
  type Consumers,
  createLogger,
  deadLetterQueueName,
  eventJobOptions,
  eventQueueName,
  PermanentError,
  prismaStore,
  redisConnection,
  startConsumers,
} from '@commerce/service-kit';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { connectDb } from '../../subgraphs/notifications/src/db.ts';
import { startOperations } from '../../subgraphs/operations/src/app.ts';
import { readConfig } from '../../subgraphs/operations/src/config.ts';
import { connectDb as connectOperationsDb } from '../../subgraphs/operations/src/db.ts';
import { errorCodes, graphql } from '../support/graphql.ts';
import { type RunningRouter, startTestRouter } from '../support/router.ts';
import { signInAda, signInStaff } from '../support/sign-in.ts';

const systemRouterUrl = inject('routerUrl');
const env = inject('env');
const prefix = `${env.QUEUE_PREFIX}-operations-${randomUUID().slice(0, 8)}`;
let routerUrl: string;

type DeadLetterNode = {
  id: string;
  queue: string;
  eventId: string | null;
  eventType: string | null;
  payload: string;
  error: string;
  attempts: number;
  deadLetteredAt: string;
};
type AuditNode = {
  id: string;
  actor: { id: string; email: string };
  action: string;
  deadLetterId: string;
  reason: string | null;
  outcome: string;
  queue: string | null;
  at: string;
};

const DEAD_LETTERS = `query($queue: String, $first: Int, $after: String) {
  deadLetters(queue: $queue, first: $first, after: $after) {
    edges { cursor node { id queue eventId eventType payload error attempts deadLetteredAt } }
    pageInfo { hasNextPage endCursor }
  }
}`;
const QUEUES = '{ queues { name waiting active delayed failed deadLettered oldestWaitingSeconds } }';
const AUDIT_FIELDS = 'id actor { id email } action deadLetterId reason outcome queue at';
const AUDIT_LOG = `query($first: Int, $after: String) {
  auditLog(first: $first, after: $after) { edges { cursor node { ${AUDIT_FIELDS} } } pageInfo { hasNextPage endCursor } }
}`;
const RETRY = `mutation($id: ID!) { retryDeadLetter(id: $id) { ${AUDIT_FIELDS} } }`;
const DISCARD = `mutation($id: ID!, $reason: String!) { discardDeadLetter(id: $id, reason: $reason) { ${AUDIT_FIELDS} } }`;

let staff: Awaited<ReturnType<typeof signInStaff>>;
let customer: Awaited<ReturnType<typeof signInAda>>;
let db: ReturnType<typeof connectDb>;
let operationsDb: ReturnType<typeof connectOperationsDb>;
let operations: Awaited<ReturnType<typeof startOperations>>;
let router: RunningRouter;
let queue: Queue;
let consumers: Consumers;
/** "The fix": until it is in, the handler refuses every registration. */
let fixed = false;
const applied = new Map<string, number>();

beforeAll(async () => {
  [staff, customer] = await Promise.all([signInStaff(systemRouterUrl), signInAda(systemRouterUrl)]);
  db = connectDb(env.NOTIFICATIONS_DATABASE_URL!);
  operationsDb = connectOperationsDb(env.OPERATIONS_DATABASE_URL!);
  operations = await startOperations(
    readConfig({ ...env, OPERATIONS_PORT: '0', LOG_LEVEL: 'silent', QUEUE_PREFIX: prefix }),
    operationsDb,
  );
  router = await startTestRouter(env, { OPERATIONS_URL: operations.url });
  routerUrl = router.url;
  const connection = redisConnection(env.REDIS_URL!);
  queue = new Queue(eventQueueName('notifications'), { connection, prefix });
  consumers = startConsumers({
    unit: 'notifications',
    store: prismaStore(db),
    connection,
    queuePrefix: prefix,
    logger: createLogger('operations-test', 'silent'),
    attempts: 2,
    backoff: { baseMs: 50, maxMs: 200 },
    handlers: {
      'accounts.user.registered': async (event) => {
        if (!fixed) throw new PermanentError('no welcome template for this shop');
        applied.set(event.id, (applied.get(event.id) ?? 0) + 1);
      },
    },
  });
});

afterAll(async () => {
  await consumers?.stop();
  await router?.close();
  await operations?.close();
  const deadLetters = new Queue(deadLetterQueueName('notifications'), {
    connection: redisConnection(env.REDIS_URL!),
    prefix,
  });
  await Promise.all([queue?.obliterate({ force: true }), deadLetters.obliterate({ force: true })]);
  await Promise.all([queue?.close(), deadLetters.close(), db?.$disconnect(), operationsDb?.$disconnect()]);
});

async function asStaff<Data>(query: string, variables: Record<string, unknown> = {}): Promise<Data> {
  const response = await graphql<Data>(routerUrl, query, variables, staff.headers);
  expect(response.body.errors, JSON.stringify(response.body.errors)).toBeUndefined();
  return response.body.data!;
}

const listDeadLetters = async () =>
  (
    await asStaff<{ deadLetters: { edges: Array<{ node: DeadLetterNode }> } }>(DEAD_LETTERS, {
      queue: 'notifications.events',
      first: 100,
    })
  ).deadLetters.edges.map(({ node }) => node);

const deadLettered = async () =>
  (await asStaff<{ queues: Array<{ name: string; deadLettered: number }> }>(QUEUES)).queues.find(
    (figures) => figures.name === 'notifications.events',
  )!.deadLettered;

async function eventually<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

const deadLetterOf = (eventId: string) =>
  eventually(`the dead letter of ${eventId}`, async () => (await listDeadLetters()).find((l) => l.eventId === eventId));

const inboxRows = async (eventId: string) =>
  (
    await db.$queryRawUnsafe<[{ n: number }]>(
      'SELECT count(*)::int AS n FROM inbox_events WHERE event_id = $1::uuid',
      eventId,
    )
  )[0].n;

describe('operations: dead letters, queues and the audit of staff actions, through the router', () => {
  const startedAt = new Date();
  const poisonId = randomUUID();
  const poison = { id: poisonId, type: 'accounts.user.registered', data: { email: 'not an address' } };
  const registration = userRegistered.create({ userId: randomUUID(), email: 'late@example.com', name: 'Late' });
  let poisonLetter: DeadLetterNode;
  let failedLetter: DeadLetterNode;

  it("the test run's queues are its own, apart from a local run's (QUEUE_PREFIX)", () => {
    expect(env.QUEUE_PREFIX).toMatch(/^commerce_.+queues$/);
  });

  it('a poison message is dead-lettered at once and listed for staff with its payload and error', async () => {
    expect(await deadLettered()).toBe(0);
    await queue.add(poison.type, poison, eventJobOptions(poisonId));
    poisonLetter = await deadLetterOf(poisonId);
    expect(poisonLetter).toMatchObject({
      queue: 'notifications.events',
      eventType: 'accounts.user.registered',
      attempts: 1,
    });
    expect(JSON.parse(poisonLetter.payload)).toEqual(poison);
    expect(poisonLetter.error).toMatch(/^invalid event: /);
    expect(Date.parse(poisonLetter.deadLetteredAt)).toBeGreaterThanOrEqual(startedAt.getTime() - 1000);
    expect(await deadLettered()).toBe(1);
  });

  it('customers are FORBIDDEN and anonymous callers UNAUTHENTICATED, for every field of operations', async () => {
    const calls: Array<[string, Record<string, unknown>]> = [
      [DEAD_LETTERS, {}],
      [QUEUES, {}],
      [AUDIT_LOG, {}],
      [RETRY, { id: poisonLetter.id }],
      [DISCARD, { id: poisonLetter.id, reason: 'not mine to discard' }],
    ];
    for (const [query, variables] of calls) {
      const asCustomer = await graphql(routerUrl, query, variables, customer.headers);
      expect([asCustomer.status, errorCodes(asCustomer)]).toEqual([403, ['FORBIDDEN']]);
      expect(asCustomer.body.data ?? null).toBeNull();
      const asAnonymous = await graphql(routerUrl, query, variables);
      expect([asAnonymous.status, errorCodes(asAnonymous)]).toEqual([401, ['UNAUTHENTICATED']]);
    }
    // Nothing they asked for happened.
    expect((await listDeadLetters()).map((letter) => letter.id)).toContain(poisonLetter.id);
  });

  it('an event its handler refuses is dead-lettered; after the fix, a retry applies it exactly once', async () => {
    await queue.add(registration.type, registration, eventJobOptions(registration.id));
    failedLetter = await deadLetterOf(registration.id);
    expect(failedLetter.error).toContain('no welcome template for this shop');
    expect(await deadLettered()).toBe(2);
    expect(await inboxRows(registration.id)).toBe(0);

    fixed = true;
    const { retryDeadLetter: entry } = await asStaff<{ retryDeadLetter: AuditNode }>(RETRY, { id: failedLetter.id });
    expect(entry).toMatchObject({
      action: 'RETRY_DEAD_LETTER',
      deadLetterId: failedLetter.id,
      outcome: 'DONE',
      queue: 'notifications.events',
      actor: { id: staff.userId, email: 'staff@example.com' },
    });
    await eventually('the retried event applied', async () => (applied.get(registration.id) ? true : undefined));
    expect(await inboxRows(registration.id)).toBe(1);
    expect((await listDeadLetters()).map((letter) => letter.id)).not.toContain(failedLetter.id);
    expect(await deadLettered()).toBe(1);

    // Retrying it again finds nothing to retry: it is applied once, not twice.
    const again = await graphql(routerUrl, RETRY, { id: failedLetter.id }, staff.headers);
    expect(errorCodes(again)).toEqual(['NOT_FOUND']);
    expect(applied.get(registration.id)).toBe(1);
  });

  it('discarding needs a reason; with one, the dead letter is gone for good', async () => {
    const blank = await graphql(routerUrl, DISCARD, { id: poisonLetter.id, reason: '  ' }, staff.headers);
    expect(errorCodes(blank)).toEqual(['BAD_USER_INPUT']);
    expect((await listDeadLetters()).map((letter) => letter.id)).toContain(poisonLetter.id);

    const { discardDeadLetter: entry } = await asStaff<{ discardDeadLetter: AuditNode }>(DISCARD, {
      id: poisonLetter.id,
      reason: ' sent by a broken build of the importer ',
    });
    expect(entry).toMatchObject({
      action: 'DISCARD_DEAD_LETTER',
      outcome: 'DONE',
      reason: 'sent by a broken build of the importer',
      actor: { email: 'staff@example.com' },
    });
    expect((await listDeadLetters()).map((letter) => letter.id)).not.toContain(poisonLetter.id);
    expect(await deadLettered()).toBe(0);
  });

  it('an unknown dead letter is NOT_FOUND for retry and discard', async () => {
    for (const [query, variables] of [
      [RETRY, { id: 'notifications/dead.no-such-job' }],
      [DISCARD, { id: 'notifications/dead.no-such-job', reason: 'gone' }],
      [RETRY, { id: 'no-such-unit/dead.1' }],
      [RETRY, { id: '' }],
    ] as const) {
      const response = await graphql(routerUrl, query, variables, staff.headers);
      expect(errorCodes(response)).toEqual(['NOT_FOUND']);
      expect(response.body.errors?.[0]?.message).toMatch(/^There is no dead letter /);
    }
  });

  it('the audit log has each action with who, when, what, which and why, newest first, paged by key', async () => {
    const { auditLog } = await asStaff<{ auditLog: { edges: Array<{ cursor: string; node: AuditNode }> } }>(AUDIT_LOG, {
      first: 100,
    });
    const mine = auditLog.edges
      .map(({ node }) => node)
      .filter((node) => [poisonLetter.id, failedLetter.id].includes(node.deadLetterId));
    expect(mine.map((node) => [node.action, node.deadLetterId, node.outcome, node.reason])).toEqual([
      ['DISCARD_DEAD_LETTER', poisonLetter.id, 'DONE', 'sent by a broken build of the importer'],
      ['RETRY_DEAD_LETTER', failedLetter.id, 'NOT_FOUND', null],
      ['RETRY_DEAD_LETTER', failedLetter.id, 'DONE', null],
    ]);
    for (const node of mine) {
      expect(node.actor).toEqual({ id: staff.userId, email: 'staff@example.com' });
      expect(Date.parse(node.at)).toBeGreaterThanOrEqual(startedAt.getTime() - 1000);
      expect(Date.parse(node.at)).toBeLessThanOrEqual(Date.now());
    }
    // Customers' refused requests wrote nothing: every entry is a staff member's.
    expect(auditLog.edges.every(({ node }) => node.actor.id === staff.userId)).toBe(true);

    // One entry per page, walked by endCursor, gives the same list (after any entry another test
    // file added meanwhile: those come first, newest first), each entry once.
    const walked: string[] = [];
    let after: string | null = null;
    do {
      const page: {
        auditLog: { edges: Array<{ node: AuditNode }>; pageInfo: { endCursor: string | null; hasNextPage: boolean } };
      } = await asStaff(AUDIT_LOG, { first: 1, after });
      walked.push(...page.auditLog.edges.map(({ node }) => node.id));
      after = page.auditLog.pageInfo.hasNextPage ? page.auditLog.pageInfo.endCursor : null;
    } while (after);
    const listed = auditLog.edges.map(({ node }) => node.id);
    expect(walked.slice(walked.length - listed.length)).toEqual(listed);
    expect(new Set(walked).size).toBe(walked.length);

    const badCursor = await graphql(routerUrl, AUDIT_LOG, { first: 1, after: 'not-a-cursor' }, staff.headers);
    expect(errorCodes(badCursor)).toEqual(['BAD_USER_INPUT']);
  });

  it('dead letters page by cursor; a cursor from elsewhere is BAD_USER_INPUT', async () => {
    const bad = await graphql(routerUrl, DEAD_LETTERS, { after: 'not-a-cursor' }, staff.headers);
    expect(errorCodes(bad)).toEqual(['BAD_USER_INPUT']);
    const tooMany = await graphql(routerUrl, DEAD_LETTERS, { first: 101 }, staff.headers);
    expect(errorCodes(tooMany)).toEqual(['BAD_USER_INPUT']);
  });
});
