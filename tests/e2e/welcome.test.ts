import { eventJobOptions, eventQueueName, redisConnection } from '@commerce/service-kit';
import { Queue } from 'bullmq';
import pg from 'pg';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { waitFor } from '../messaging/support.ts';
import { graphql } from '../support/graphql.ts';

// The first event of the shop, end to end on the running system: accounts writes
// accounts.user.registered to its outbox with the new user, its relay puts it on notifications'
// queue, notifications' consumer gives the customer a WELCOME.
const routerUrl = inject('routerUrl');
const env = inject('env');

const REGISTER = `mutation($input: RegisterInput!) { register(input: $input) { token user { id } } }`;
const MY_NOTIFICATIONS = `{ me { notifications(first: 20) { totalCount edges { node { kind title channel readAt } } } } }`;

type Notifications = {
  me: { notifications: { totalCount: number; edges: Array<{ node: { kind: string; title: string } }> } };
};

const accountsDb = new pg.Pool({ connectionString: env.ACCOUNTS_DATABASE_URL, max: 1 });
const notificationsQueue = new Queue(eventQueueName('notifications'), {
  connection: redisConnection(env.REDIS_URL!),
  prefix: env.QUEUE_PREFIX,
});
afterAll(async () => {
  await notificationsQueue.close();
  await accountsDb.end();
});

async function register(name: string, email: string) {
  const response = await graphql<{ register: { token: string; user: { id: string } } }>(routerUrl, REGISTER, {
    input: { email, name, password: 'correct horse battery staple' },
  });
  expect(response.body.errors).toBeUndefined();
  const { token, user } = response.body.data!.register;
  return { userId: user.id, headers: { authorization: `Bearer ${token}` } };
}

async function welcomes(headers: Record<string, string>) {
  const response = await graphql<Notifications>(routerUrl, MY_NOTIFICATIONS, {}, headers);
  expect(response.body.errors).toBeUndefined();
  return response.body.data!.me.notifications.edges.filter((edge) => edge.node.kind === 'WELCOME');
}

async function metricsOf(unit: string): Promise<string> {
  const response = await fetch(`http://127.0.0.1:${env[`${unit.toUpperCase()}_PORT`]}/metrics`);
  expect(response.status).toBe(200);
  return response.text();
}

/** The value of one series of a Prometheus text, 0 when absent. */
function sample(metrics: string, name: string, labels: Record<string, string>): number {
  const line = metrics
    .split('\n')
    .find(
      (l) =>
        l.startsWith(`${name}{`) && Object.entries(labels).every(([key, value]) => l.includes(`${key}="${value}"`)),
    );
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
}

describe('a new customer is welcomed (accounts.user.registered → notifications)', () => {
  it('a customer who registers sees one WELCOME in the app within seconds', async () => {
    // An address accounts accepts but a strict e-mail schema would not: the event must not refuse it.
    const customer = await register('Jürgen', `jürgen.${crypto.randomUUID()}@example.de`);
    const found = await waitFor(
      'the WELCOME notification',
      async () => {
        const list = await welcomes(customer.headers);
        return list.length > 0 && list;
      },
      15_000,
    ); // generous on a loaded machine; usually well under a second
    expect(found.map((edge) => edge.node)).toEqual([
      expect.objectContaining({ kind: 'WELCOME', title: 'Welcome, Jürgen!', channel: 'IN_APP', readAt: null }),
    ]);

    // The outbox row went out, under this system's queue prefix (no other run shares the queue).
    // The relay marks a batch published with its next read, or alone within 200 ms: so, soon.
    const rows = await waitFor('the outbox row marked published', async () => {
      const { rows } = await accountsDb.query(
        'SELECT id, published_at FROM outbox_events WHERE aggregate_id = $1 AND type = $2',
        [customer.userId, 'accounts.user.registered'],
      );
      return rows.length === 1 && rows[0].published_at !== null && rows;
    });
    expect(rows).toHaveLength(1);
    expect(await notificationsQueue.getJobState(rows[0].id)).toBe('completed');
  });

  it('the same event delivered again (a new job, same event id) still leaves exactly one WELCOME', async () => {
    const customer = await register('Ada', `ada.${crypto.randomUUID()}@example.com`);
    await waitFor('the first WELCOME', async () => (await welcomes(customer.headers)).length > 0);
    const before = sample(await metricsOf('notifications'), 'unit_events_processed_total', {
      type: 'accounts.user.registered',
      outcome: 'duplicate',
    });

    const { rows } = await accountsDb.query<{ id: string; envelope: unknown }>(
      'SELECT id, envelope FROM outbox_events WHERE aggregate_id = $1',
      [customer.userId],
    );
    // A job id of its own, so BullMQ does not drop it: only the consumer's inbox stands in the way.
    const replay = await notificationsQueue.add(
      'accounts.user.registered',
      rows[0]!.envelope,
      eventJobOptions(`replay.${rows[0]!.id}`),
    );
    await waitFor('the replayed job to finish', async () => (await replay.getState()) === 'completed');

    expect(await welcomes(customer.headers)).toHaveLength(1);
    const after = sample(await metricsOf('notifications'), 'unit_events_processed_total', {
      type: 'accounts.user.registered',
      outcome: 'duplicate',
    });
    expect(after).toBeGreaterThan(before);
  });

  it("each unit's /metrics shows its queue's depth, the event lag and the relay lag", async () => {
    const customer = await register('Grace', `grace.${crypto.randomUUID()}@example.com`);
    await waitFor('the WELCOME', async () => (await welcomes(customer.headers)).length > 0);

    const notifications = await metricsOf('notifications');
    for (const state of ['waiting', 'active', 'delayed', 'failed', 'dead_lettered']) {
      expect(notifications).toMatch(
        new RegExp(`^unit_queue_jobs\\{[^}]*queue="notifications\\.events"[^}]*state="${state}"[^}]*\\} \\d+$`, 'm'),
      );
    }
    expect(sample(notifications, 'unit_queue_readable', {})).toBe(1);
    expect(
      sample(notifications, 'unit_event_lag_seconds_count', { type: 'accounts.user.registered', outcome: 'applied' }),
    ).toBeGreaterThanOrEqual(1);

    const accounts = await metricsOf('accounts');
    expect(accounts).toMatch(/^unit_queue_jobs\{[^}]*queue="accounts\.events"/m);
    expect(
      sample(accounts, 'unit_relay_lag_seconds_count', { type: 'accounts.user.registered' }),
    ).toBeGreaterThanOrEqual(1);
  });
});
