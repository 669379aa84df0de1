import { randomUUID } from 'node:crypto';
import { orderConfirmed } from '@commerce/events';
import { eventJobOptions, eventQueueName, redisConnection } from '@commerce/service-kit';
import { Queue } from 'bullmq';
import pg from 'pg';
import { afterAll, describe, expect, inject, it } from 'vitest';
import type { KeptMessage } from '../../scripts/sandbox/mail-sink.ts';
import { waitFor } from '../messaging/support.ts';
import { graphql } from '../support/graphql.ts';
import { signInAda } from '../support/sign-in.ts';

// On the running system: its notifications process, its relays and its mail sink (the one the
// README's first command starts). Seeded users are recipients through accounts' replay; a new
// customer is welcomed in the app and by e-mail; an order outcome reaches the customer both ways.
const routerUrl = inject('routerUrl');
const env = inject('env');

const notificationsDb = new pg.Pool({ connectionString: env.NOTIFICATIONS_DATABASE_URL, max: 1 });
const accountsDb = new pg.Pool({ connectionString: env.ACCOUNTS_DATABASE_URL, max: 1 });
const notificationsQueue = new Queue(eventQueueName('notifications'), {
  connection: redisConnection(env.REDIS_URL!),
  prefix: env.QUEUE_PREFIX,
});
afterAll(async () => {
  await notificationsQueue.close();
  await Promise.all([notificationsDb.end(), accountsDb.end()]);
});

async function mailTo(address: string): Promise<KeptMessage[]> {
  const response = await fetch(`${env.MAIL_SINK_URL}/messages`);
  expect(response.status).toBe(200);
  return ((await response.json()) as KeptMessage[]).filter((message) => message.to === address);
}

const MY_NOTIFICATIONS = `{ me { notifications(first: 50) { edges { node { kind title channel } } } } }`;
type Edges = { me: { notifications: { edges: Array<{ node: { kind: string; title: string; channel: string } }> } } };

async function myNotifications(headers: Record<string, string>) {
  const response = await graphql<Edges>(routerUrl, MY_NOTIFICATIONS, {}, headers);
  expect(response.body.errors).toBeUndefined();
  return response.body.data!.me.notifications.edges.map((edge) => edge.node);
}

describe('notifications on the running system', () => {
  it('seeded users are recipients (accounts replayed them) and were not welcomed', async () => {
    // The seeded ones only: other test files make users straight in accounts' database, with no event.
    const { rows: users } = await accountsDb.query<{ id: string; email: string }>(
      'SELECT id::text, email FROM users WHERE email = ANY($1::text[])',
      [['ada@example.com', 'grace@example.com', 'staff@example.com']],
    );
    expect(users).toHaveLength(3);
    const recipients = await waitFor(
      'a recipient for every seeded user',
      async () => {
        const { rows } = await notificationsDb.query<{ user_id: string; email: string }>(
          'SELECT user_id::text, email FROM recipients WHERE user_id = ANY($1::uuid[])',
          [users.map((user) => user.id)],
        );
        return rows.length === users.length && rows;
      },
      30_000,
    );
    expect(recipients.map((row) => row.email).sort()).toEqual(users.map((user) => user.email).sort());
    const ada = users.find((user) => user.email === 'ada@example.com')!;
    const { rows: welcomes } = await notificationsDb.query(
      "SELECT 1 FROM notifications WHERE user_id = $1 AND kind = 'WELCOME'",
      [ada.id],
    );
    expect(welcomes).toEqual([]);
    const { rows: emails } = await notificationsDb.query('SELECT subject FROM emails WHERE user_id = $1', [ada.id]);
    expect(emails.filter((email) => String(email.subject).startsWith('Welcome'))).toEqual([]);
  });

  it('a customer who registers gets a WELCOME in the app and a welcome e-mail in the mail sink', async () => {
    const email = `welcome.${randomUUID()}@example.com`;
    const response = await graphql<{ register: { token: string } }>(
      routerUrl,
      `mutation($input: RegisterInput!) { register(input: $input) { token } }`,
      { input: { email, name: 'Hedy', password: 'correct horse battery staple' } },
    );
    expect(response.body.errors).toBeUndefined();
    const headers = { authorization: `Bearer ${response.body.data!.register.token}` };

    const kept = await waitFor('the welcome e-mail', async () => {
      const found = await mailTo(email);
      return found.length > 0 && found;
    });
    expect(kept).toEqual([expect.objectContaining({ subject: 'Welcome, Hedy!', from: env.MAIL_FROM })]);
    expect(await myNotifications(headers)).toEqual([{ kind: 'WELCOME', title: 'Welcome, Hedy!', channel: 'IN_APP' }]);
  });

  it('an order confirmed for a seeded customer: ORDER_CONFIRMED in the app and an e-mail to ada@example.com', async () => {
    const ada = await signInAda(routerUrl);
    const event = orderConfirmed.create({
      orderId: randomUUID(),
      customerId: ada.userId,
      items: [{ productId: randomUUID(), quantity: 1, unitPriceCents: 1999 }],
      totalCents: 1999,
      currency: 'EUR',
    });
    // As orders' relay publishes it.
    await notificationsQueue.add(event.type, event, eventJobOptions(event.id));
    const title = `Order ${event.data.orderId.slice(0, 8).toUpperCase()} is confirmed`;

    const kept = await waitFor('the confirmation e-mail', async () => {
      const found = (await mailTo('ada@example.com')).filter((message) => message.subject === title);
      return found.length > 0 && found;
    });
    expect(kept).toHaveLength(1);
    const mine = await myNotifications(ada.headers);
    expect(mine.filter((notification) => notification.title === title)).toEqual([
      { kind: 'ORDER_CONFIRMED', title, channel: 'IN_APP' },
    ]);
  });
});
