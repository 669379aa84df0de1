// The first real event under a crash: the real accounts and notifications processes (their
// main.ts, ROLE=worker) on fixture databases and a private Redis; notifications is SIGKILLed while
// registrations flow and started again. Every registered customer ends with exactly one WELCOME.
import { randomBytes, randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectDb as connectAccounts } from '../../subgraphs/accounts/src/db.ts';
import { openCustomerAccount } from '../../subgraphs/accounts/src/repository.ts';
import {
  createFixtureDatabase,
  type PrivateRedis,
  startPrivateRedis,
  startUnitProcess,
  type UnitProcess,
  waitFor,
} from './support.ts';

let redis: PrivateRedis;
let accountsDatabase: Awaited<ReturnType<typeof createFixtureDatabase>>;
let notificationsDatabase: Awaited<ReturnType<typeof createFixtureDatabase>>;
let accounts: ReturnType<typeof connectAccounts>;
let notifications: pg.Pool;
const processes: UnitProcess[] = [];

beforeAll(async () => {
  [redis, accountsDatabase, notificationsDatabase] = await Promise.all([
    startPrivateRedis(),
    createFixtureDatabase('accounts'),
    createFixtureDatabase('notifications'),
  ]);
  accounts = connectAccounts(accountsDatabase.url);
  notifications = new pg.Pool({ connectionString: notificationsDatabase.url, max: 2 });
  notifications.on('error', () => {}); // an idle connection closed by the final DROP DATABASE
});

afterAll(async () => {
  for (const unit of processes) await unit.kill('SIGKILL');
  await accounts?.$disconnect();
  await notifications?.end();
  await Promise.all([redis?.remove(), accountsDatabase?.drop(), notificationsDatabase?.drop()]);
});

/** A unit's real process running its workers only; both units share this test's queue prefix. */
function worker(unit: 'accounts' | 'notifications', queuePrefix: string) {
  const started = startUnitProcess(unit, {
    ROLE: 'worker',
    [`${unit.toUpperCase()}_PORT`]: '0',
    ACCOUNTS_DATABASE_URL: accountsDatabase.url,
    NOTIFICATIONS_DATABASE_URL: notificationsDatabase.url,
    REDIS_URL: redis.url,
    QUEUE_PREFIX: queuePrefix,
    ROUTER_SIGNING_SECRET: randomBytes(32).toString('hex'),
    JWT_SIGNING_KEY: `k1:${randomBytes(32).toString('hex')}`,
  });
  processes.push(started);
  return started;
}

async function welcomesPerUser(): Promise<Map<string, number>> {
  const { rows } = await notifications.query<{ user_id: string; count: number }>(
    "SELECT user_id::text, count(*)::int AS count FROM notifications WHERE kind = 'WELCOME' GROUP BY user_id",
  );
  return new Map(rows.map((row) => [row.user_id, row.count]));
}

describe('notifications killed while registrations flow', () => {
  it('after a SIGKILL and a restart, each registered customer has exactly one WELCOME', async () => {
    const queuePrefix = `welcome${randomBytes(4).toString('hex')}`;
    const relay = worker('accounts', queuePrefix);
    let consumer = worker('notifications', queuePrefix);
    await Promise.all([relay.ready(), consumer.ready()]);

    const userIds: string[] = [];
    // Ten at a time, as a burst of sign-ups would: the queue fills faster than four handlers drain it.
    const registerSome = async (count: number) => {
      for (let done = 0; done < count; done += 10) {
        const users = await Promise.all(
          Array.from({ length: 10 }, (_, i) =>
            openCustomerAccount(accounts, {
              email: `crash.${randomUUID()}@example.com`,
              name: `Customer ${userIds.length + done + i}`,
              passwordHash: 'not-a-real-hash',
            }),
          ),
        );
        userIds.push(...users.map((user) => user.id));
      }
    };

    await registerSome(150);
    await waitFor('the first WELCOME', async () => (await welcomesPerUser()).size > 0, 60_000);
    await consumer.kill('SIGKILL');
    const welcomedAtKill = (await welcomesPerUser()).size;
    expect(welcomedAtKill, 'the kill landed while events were still flowing').toBeLessThan(userIds.length);
    await registerSome(30); // these wait in the queue, with whatever the dead worker held

    consumer = worker('notifications', queuePrefix);
    await consumer.ready();
    // Jobs the dead worker held come back after BullMQ's lock (30 s) expires: generous bound.
    const final = await waitFor(
      `a WELCOME for each of ${userIds.length} customers (${welcomedAtKill} welcomed when the worker was killed)`,
      async () => {
        const welcomes = await welcomesPerUser();
        return welcomes.size === userIds.length && welcomes;
      },
      150_000,
    );
    expect([...final.keys()].sort()).toEqual([...userIds].sort());
    expect([...final.values()].every((count) => count === 1)).toBe(true);
    const { rows } = await notifications.query<{ count: number }>('SELECT count(*)::int AS count FROM inbox_events');
    expect(rows[0]!.count).toBe(userIds.length);
  }, 300_000);
});
