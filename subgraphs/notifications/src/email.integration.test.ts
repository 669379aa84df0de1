// notifications' real consumers in this process, over a fixture database of its own (no relay of
// the running system publishes its outbox) and a mail sink of its own (real SMTP, on spare ports):
// the test plays the relay, handing each outbox row to the consumer as the relay would.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type CommerceEvent,
  emailRequested,
  orderCancelled,
  orderConfirmed,
  orderRefunded,
  orderRejected,
  parseEvent,
  userRegistered,
} from '@commerce/events';
import {
  createMessagingAdmin,
  createSqlPool,
  deadLetterQueueName,
  type EffectHandler,
  eventQueueName,
  redisConnection,
  type Sql,
  type SqlPool,
} from '@commerce/service-kit';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type MailSink, startMailSink } from '../../../scripts/sandbox/mail-sink.ts';
import { createFixtureDatabase, waitFor } from '../../../tests/messaging/support.ts';
import { startEventDelivery } from '../../../tests/support/event-delivery.ts';
import { notificationHandlers } from './app.ts';
import { connectDb, type Db } from './db.ts';
import { emailIdFor } from './email-id.ts';
import { createMailer, type Mailer } from './mailer.ts';

const env = inject('env');
const MAIL_FROM = 'Commerce <shop@shop.test>';
let database: Awaited<ReturnType<typeof createFixtureDatabase>>;
let db: Db;
/** The consumers' pool, as notificationsUnit gives them; `db` (Prisma) only looks at the result. */
let sql: SqlPool;
let sink: MailSink;
let sinkDirectory: string;
let mailer: Mailer;
let delivery: Awaited<ReturnType<typeof startEventDelivery<Sql>>>;
const queues: Queue[] = [];

beforeAll(async () => {
  database = await createFixtureDatabase('notifications');
  db = connectDb(database.url);
  sql = createSqlPool(database.url, { max: 4 });
  sinkDirectory = mkdtempSync(join(tmpdir(), 'ntf-mail-'));
  sink = await startMailSink({ smtpPort: 0, httpPort: 0, directory: sinkDirectory });
  mailer = createMailer({ smtpUrl: `smtp://127.0.0.1:${sink.smtpPort}`, mailFrom: MAIL_FROM });
  // Enough tries, close together, to wait out a failure the test ends by hand.
  delivery = await startEventDelivery({
    unit: 'notifications',
    store: sql,
    handlers: notificationHandlers(sql, mailer),
    redisUrl: env.REDIS_URL!,
    attempts: 12,
    backoff: { baseMs: 250, maxMs: 1500 },
  });
});

afterAll(async () => {
  await delivery?.stop();
  await Promise.all(queues.map((queue) => queue.close()));
  mailer?.close();
  await sink?.close();
  await sql?.close();
  await db?.$disconnect();
  await database?.drop();
  if (sinkDirectory) rmSync(sinkDirectory, { recursive: true, force: true });
});

const queueOf = (kind: 'events' | 'dead-letter', prefix = delivery.prefix) => {
  const queue = new Queue(kind === 'events' ? eventQueueName('notifications') : deadLetterQueueName('notifications'), {
    connection: redisConnection(env.REDIS_URL!),
    prefix,
  });
  queues.push(queue);
  return queue;
};

/** A customer notifications knows (announced again: a recipient, not welcomed). */
async function knownCustomer(name = 'Ada') {
  const userId = randomUUID();
  const email = `${name.toLowerCase()}.${userId.slice(0, 8)}@example.com`;
  expect(await delivery.deliver(userRegistered.create({ userId, email, name, announcedAgain: true }))).toBe(
    'completed',
  );
  return { userId, email, name };
}

/** The e-mail requests in notifications' outbox for one user, as the relay would publish them. */
async function emailRequestsFor(
  userId: string,
): Promise<Array<CommerceEvent & { type: 'notifications.email.requested' }>> {
  const rows = await db.outboxEvent.findMany({
    where: { type: 'notifications.email.requested' },
    orderBy: { position: 'asc' },
  });
  return rows
    .map((row) => parseEvent(row.envelope))
    .flatMap((parsed) => (parsed.ok && parsed.event.type === 'notifications.email.requested' ? [parsed.event] : []))
    .filter((event) => event.data.userId === userId);
}

async function onlyEmailRequestFor(userId: string) {
  const requests = await emailRequestsFor(userId);
  expect(requests).toHaveLength(1);
  return requests[0]!;
}

const messageIdOf = (emailId: string) => `${emailId}@shop.test`;
const keptWith = (emailId: string) => sink.messages().filter((message) => message.messageId === messageIdOf(emailId));
const notificationsOf = (userId: string) => db.notification.findMany({ where: { userId } });

const ORDER = () => ({
  orderId: randomUUID(),
  items: [{ productId: randomUUID(), quantity: 2, unitPriceCents: 1250 }],
});

describe('e-mails for every notification, over real SMTP', () => {
  it('a registration: a recipient, a WELCOME in the app and a welcome e-mail in the sink', async () => {
    const userId = randomUUID();
    const email = `lin.${userId.slice(0, 8)}@example.com`;
    expect(await delivery.deliver(userRegistered.create({ userId, email, name: 'Lin' }))).toBe('completed');

    expect(await db.recipient.findUnique({ where: { userId } })).toMatchObject({ email, name: 'Lin' });
    expect(await notificationsOf(userId)).toMatchObject([
      { kind: 'WELCOME', title: 'Welcome, Lin!', channel: 'IN_APP' },
    ]);
    const request = await onlyEmailRequestFor(userId);
    expect(request.data).toMatchObject({ to: email, subject: 'Welcome, Lin!' });
    expect(await db.email.findUniqueOrThrow({ where: { id: request.data.emailId } })).toMatchObject({
      status: 'PENDING',
      sentAt: null,
    });

    expect(await delivery.deliver(request)).toBe('completed');
    expect(keptWith(request.data.emailId)).toEqual([
      expect.objectContaining({ to: email, subject: 'Welcome, Lin!', from: MAIL_FROM }),
    ]);
    expect(await db.email.findUniqueOrThrow({ where: { id: request.data.emailId } })).toMatchObject({
      status: 'SENT',
      sentAt: expect.any(Date),
    });
  });

  it('a user announced again (a replay): a recipient, but no WELCOME and no e-mail', async () => {
    const { userId, email } = await knownCustomer('Grace');
    expect(await db.recipient.findUnique({ where: { userId } })).toMatchObject({ email, name: 'Grace' });
    expect(await notificationsOf(userId)).toEqual([]);
    expect(await db.email.count({ where: { userId } })).toBe(0);
    expect(await emailRequestsFor(userId)).toEqual([]);
  });

  it('an older announcement arriving after a newer one leaves the newer copy', async () => {
    const userId = randomUUID();
    const newer = userRegistered.create(
      { userId, email: 'new@example.com', name: 'New', announcedAgain: true },
      { occurredAt: new Date('2026-12-01T12:00:00Z') },
    );
    const older = userRegistered.create(
      { userId, email: 'old@example.com', name: 'Old', announcedAgain: true },
      { occurredAt: new Date('2026-12-01T11:00:00Z') },
    );
    expect(await delivery.deliver(newer)).toBe('completed');
    expect(await delivery.deliver(older)).toBe('completed');
    expect(await db.recipient.findUnique({ where: { userId } })).toMatchObject({
      email: 'new@example.com',
      name: 'New',
    });
  });

  const outcomes = [
    [
      'confirmed',
      'ORDER_CONFIRMED',
      'is confirmed',
      (customerId: string) => orderConfirmed.create({ ...ORDER(), customerId, totalCents: 2500, currency: 'EUR' }),
    ],
    [
      'rejected',
      'ORDER_REJECTED',
      'could not be placed',
      (customerId: string) => orderRejected.create({ orderId: randomUUID(), customerId, reason: 'out of stock' }),
    ],
    [
      'cancelled',
      'ORDER_CANCELLED',
      'is cancelled',
      (customerId: string) =>
        orderCancelled.create({ ...ORDER(), customerId, cause: 'PAYMENT_DECLINED', reason: 'card declined' }),
    ],
    [
      'refunded',
      'ORDER_REFUNDED',
      'is refunded',
      (customerId: string) =>
        orderRefunded.create({ ...ORDER(), customerId, amountCents: 2500, currency: 'EUR', reason: 'damaged' }),
    ],
  ] as const;

  it.each(outcomes)(
    'an order %s: one %s in the app and one e-mail to the customer, sent at once',
    async (_, kind, says, event) => {
      const customer = await knownCustomer();
      const outcome = event(customer.userId);
      expect(await delivery.deliver(outcome)).toBe('completed');
      const [notification, ...others] = await notificationsOf(customer.userId);
      expect(others).toEqual([]);
      expect(notification).toMatchObject({ kind, channel: 'IN_APP', readAt: null });
      expect(notification!.title).toContain(says);

      // Sent by the outcome's own job: SENT from the start, nothing left for the e-mail sender.
      const emailId = emailIdFor(outcome.id);
      expect(keptWith(emailId)).toEqual([
        expect.objectContaining({ to: customer.email, subject: notification!.title }),
      ]);
      expect(await db.email.findUniqueOrThrow({ where: { id: emailId } })).toMatchObject({
        userId: customer.userId,
        status: 'SENT',
        sentAt: expect.any(Date),
      });
      expect(await emailRequestsFor(customer.userId)).toEqual([]);

      // The outcome delivered again (a re-publish): still one notification, one e-mail.
      expect(await delivery.deliver(outcome)).toBe('completed');
      expect(await notificationsOf(customer.userId)).toHaveLength(1);
      expect(keptWith(emailId)).toHaveLength(1);
      expect(await db.email.count({ where: { userId: customer.userId } })).toBe(1);
    },
  );

  it('a crash after the server accepted the e-mail and before the commit: sent again under the same Message-ID, recorded once', async () => {
    const customer = await knownCustomer();
    const outcome = orderConfirmed.create({
      ...ORDER(),
      customerId: customer.userId,
      totalCents: 990,
      currency: 'EUR',
    });
    // The outcome's handler, failing its first transaction after the send (as a crash there would).
    const handlers = notificationHandlers(sql, mailer);
    const teller = handlers['orders.order.confirmed'] as EffectHandler<unknown, Sql, unknown>;
    let failed = false;
    const crashing = await startEventDelivery({
      unit: 'notifications',
      store: sql,
      handlers: {
        ...handlers,
        'orders.order.confirmed': {
          ...teller,
          async inside(...args) {
            if (!failed) {
              failed = true;
              throw new Error('the process died before its commit');
            }
            await teller.inside(...args);
          },
        },
      },
      redisUrl: env.REDIS_URL!,
      backoff: { baseMs: 50, maxMs: 100 },
    });
    try {
      expect(await crashing.deliver(outcome)).toBe('completed');
    } finally {
      await crashing.stop();
    }
    const emailId = emailIdFor(outcome.id);
    expect(keptWith(emailId).map((message) => message.messageId)).toEqual([messageIdOf(emailId), messageIdOf(emailId)]);
    expect(await notificationsOf(customer.userId)).toHaveLength(1);
    expect(await db.email.findMany({ where: { userId: customer.userId } })).toMatchObject([
      { id: emailId, status: 'SENT' },
    ]);
  });

  it('an outcome for a customer not known yet is retried until their registration is applied', async () => {
    const userId = randomUUID();
    const outcome = orderConfirmed.create({ ...ORDER(), customerId: userId, totalCents: 2500, currency: 'EUR' });
    const jobId = `early.${outcome.id}`;
    const done = delivery.deliver(outcome, jobId);
    const events = queueOf('events');
    await waitFor('a first failed attempt', async () => ((await events.getJob(jobId))?.attemptsMade ?? 0) >= 1, 30_000);
    expect(await notificationsOf(userId)).toEqual([]);

    const email = `late.${userId.slice(0, 8)}@example.com`;
    expect(await delivery.deliver(userRegistered.create({ userId, email, name: 'Late' }))).toBe('completed');
    expect(await done).toBe('completed');
    expect((await notificationsOf(userId)).map((n) => n.kind).sort()).toEqual(['ORDER_CONFIRMED', 'WELCOME']);
    // The welcome's e-mail waits for the sender; the outcome's went out with its job.
    expect((await emailRequestsFor(userId)).map((request) => request.data.subject)).toEqual(['Welcome, Late!']);
    expect(keptWith(emailIdFor(outcome.id))).toEqual([expect.objectContaining({ to: email })]);
  });
});

describe('a failing mail server never loses an e-mail and never doubles it', () => {
  /** An outcome told while the server refuses for now: its notification at once, its e-mail PENDING for the sender. */
  async function pendingEmail() {
    const customer = await knownCustomer();
    const outcome = orderRejected.create({ orderId: randomUUID(), customerId: customer.userId, reason: 'sold out' });
    sink.mode.value = 'tempfail';
    try {
      expect(await delivery.deliver(outcome)).toBe('completed');
    } finally {
      sink.mode.value = 'accept';
    }
    expect(await notificationsOf(customer.userId)).toMatchObject([{ kind: 'ORDER_REJECTED' }]);
    const request = await onlyEmailRequestFor(customer.userId);
    expect(request.data.emailId).toBe(emailIdFor(outcome.id));
    expect(keptWith(request.data.emailId)).toEqual([]);
    expect(await db.email.findUniqueOrThrow({ where: { id: request.data.emailId } })).toMatchObject({
      status: 'PENDING',
      sentAt: null,
    });
    return { customer, request };
  }

  it('tempfail (451): retried with backoff, then delivered exactly once when the server accepts again', async () => {
    const { request } = await pendingEmail();
    sink.mode.value = 'tempfail';
    try {
      const jobId = `tempfail.${request.id}`;
      const done = delivery.deliver(request, jobId);
      const events = queueOf('events');
      await waitFor(
        'three refused attempts',
        async () => ((await events.getJob(jobId))?.attemptsMade ?? 0) >= 3,
        30_000,
      );
      expect(keptWith(request.data.emailId)).toEqual([]);
      expect((await db.email.findUniqueOrThrow({ where: { id: request.data.emailId } })).status).toBe('PENDING');
      sink.mode.value = 'accept';
      expect(await done).toBe('completed');
    } finally {
      sink.mode.value = 'accept';
    }
    expect(keptWith(request.data.emailId)).toHaveLength(1);
    expect((await db.email.findUniqueOrThrow({ where: { id: request.data.emailId } })).status).toBe('SENT');
  });

  it('tempfail until the last attempt: dead-lettered with the server’s reply, still PENDING', async () => {
    const { request } = await pendingEmail();
    // A consumer that gives up after two tries, on queues of its own.
    const impatient = await startEventDelivery({
      unit: 'notifications',
      store: sql,
      handlers: notificationHandlers(sql, mailer),
      redisUrl: env.REDIS_URL!,
      attempts: 2,
    });
    sink.mode.value = 'tempfail';
    try {
      expect(await impatient.deliver(request)).toBe('failed');
      const [letter, ...others] = await queueOf('dead-letter', impatient.prefix).getJobs(['waiting']);
      expect(others).toEqual([]);
      expect(letter!.data).toMatchObject({ attemptsMade: 2, envelope: { id: request.id } });
      expect(letter!.data.error).toMatch(/451/);
    } finally {
      sink.mode.value = 'accept';
      await impatient.stop();
    }
    expect(keptWith(request.data.emailId)).toEqual([]);
    expect((await db.email.findUniqueOrThrow({ where: { id: request.data.emailId } })).status).toBe('PENDING');
  });

  it('reject (554): dead-lettered at once with the error, the notification kept; a retry after accept delivers it once', async () => {
    const { customer, request } = await pendingEmail();
    sink.mode.value = 'reject';
    try {
      expect(await delivery.deliver(request)).toBe('failed');
    } finally {
      sink.mode.value = 'accept';
    }
    const deadLetters = (await queueOf('dead-letter').getJobs(['waiting'])).filter(
      (job) => job.data.envelope.id === request.id,
    );
    expect(deadLetters).toHaveLength(1);
    expect(deadLetters[0]!.data).toMatchObject({ attemptsMade: 1, originalQueue: 'notifications.events' });
    expect(deadLetters[0]!.data.error).toMatch(/554/);
    expect(keptWith(request.data.emailId)).toEqual([]);
    expect(await notificationsOf(customer.userId)).toMatchObject([{ kind: 'ORDER_REJECTED', channel: 'IN_APP' }]);

    // Staff retry it (operations' retryDeadLetter does exactly this).
    const admin = createMessagingAdmin({
      connection: redisConnection(env.REDIS_URL!),
      queuePrefix: delivery.prefix,
      units: ['notifications'],
    });
    try {
      const retried = await admin.retryDeadLetter(`notifications/${deadLetters[0]!.id}`);
      expect(retried).not.toBeNull();
      const events = queueOf('events');
      await waitFor('the retried job', async () => (await events.getJobState(retried!.jobId)) === 'completed', 30_000);
    } finally {
      await admin.close();
    }
    expect(keptWith(request.data.emailId)).toHaveLength(1);
    expect((await db.email.findUniqueOrThrow({ where: { id: request.data.emailId } })).status).toBe('SENT');
  });

  it('an e-mail already SENT is not sent again: neither on redelivery nor on a second request for it', async () => {
    const { request } = await pendingEmail();
    expect(await delivery.deliver(request)).toBe('completed');
    expect(keptWith(request.data.emailId)).toHaveLength(1);

    // The same event again (a re-publish): the inbox knows it.
    expect(await delivery.deliver(request)).toBe('completed');
    // Another event for the same e-mail (a new event id, so the inbox cannot tell): the e-mail's SENT does.
    const again = emailRequested.create(request.data);
    expect(again.id).not.toBe(request.id);
    expect(await delivery.deliver(again)).toBe('completed');
    expect(keptWith(request.data.emailId)).toHaveLength(1);
  });

  it('a request for an e-mail notifications never wrote is dead-lettered at once, and nothing is sent', async () => {
    const stray = emailRequested.create({
      emailId: randomUUID(),
      userId: randomUUID(),
      to: 'nobody@example.com',
      subject: 'Not ours',
      text: 'Written by no notification.',
    });
    expect(await delivery.deliver(stray)).toBe('failed');
    const letters = (await queueOf('dead-letter').getJobs(['waiting'])).filter(
      (job) => job.data.envelope.id === stray.id,
    );
    expect(letters.map((letter) => letter.data)).toEqual([
      expect.objectContaining({ attemptsMade: 1, error: expect.stringContaining('not in notifications') }),
    ]);
    expect(keptWith(stray.data.emailId)).toEqual([]);
  });
});
