// The first real event under a crash: the real accounts and notifications processes (their
// main.ts, ROLE=worker) on fixture databases, a private Redis and a private mail sink;
// notifications is SIGKILLed while registrations flow and started again. Every registered customer
// ends with exactly one WELCOME, and their welcome e-mail sent.
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { eventQueueName, redisConnection } from '@commerce/service-kit';
import { Queue } from 'bullmq';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type MailSink, startMailSink } from '../../scripts/sandbox/mail-sink.ts';
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
let sink: MailSink;
let sinkDirectory: string;
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
  sinkDirectory = mkdtempSync(path.join(tmpdir(), 'welcome-mail-'));
  sink = await startMailSink({ smtpPort: 0, httpPort: 0, directory: sinkDirectory });
});

// A relay left running would publish the next test's rows under its own queue prefix.
afterEach(async () => {
  for (const unit of processes.splice(0)) await unit.kill('SIGKILL');
});

afterAll(async () => {
  await accounts?.$disconnect();
  await notifications?.end();
  await sink?.close();
  if (sinkDirectory) rmSync(sinkDirectory, { recursive: true, force: true });
  await Promise.all([redis?.remove(), accountsDatabase?.drop(), notificationsDatabase?.drop()]);
});

/** The settings of a unit's real process over this test's databases, Redis and queue prefix. */
function workerEnv(unit: 'accounts' | 'notifications', queuePrefix: string) {
  return {
    ROLE: 'worker',
    [`${unit.toUpperCase()}_PORT`]: '0',
    ACCOUNTS_DATABASE_URL: accountsDatabase.url,
    NOTIFICATIONS_DATABASE_URL: notificationsDatabase.url,
    REDIS_URL: redis.url,
    QUEUE_PREFIX: queuePrefix,
    ROUTER_SIGNING_SECRET: randomBytes(32).toString('hex'),
    JWT_SIGNING_KEY: `k1:${randomBytes(32).toString('hex')}`,
    SMTP_URL: `smtp://127.0.0.1:${sink.smtpPort}`,
  };
}

/** A unit's real process running its workers only. */
function worker(unit: 'accounts' | 'notifications', queuePrefix: string) {
  const started = startUnitProcess(unit, workerEnv(unit, queuePrefix));
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

    const queue = new Queue(eventQueueName('notifications'), {
      connection: redisConnection(redis.url),
      prefix: queuePrefix,
    });
    await registerSome(150);
    // Killed with jobs in hand: they come back only through BullMQ's stalled-job recovery.
    await waitFor('the worker to hold a job', async () => (await queue.getActiveCount()) > 0, 60_000);
    await consumer.kill('SIGKILL');
    await queue.close();
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
    const { rows } = await notifications.query<{ count: number }>(
      "SELECT count(*)::int AS count FROM inbox_events WHERE type = 'accounts.user.registered'",
    );
    expect(rows[0]!.count).toBe(userIds.length);

    // Each welcome e-mail goes out too (notifications' own email.requested, through its own relay).
    // The kill may land between the server's acceptance and the mark: at most the jobs in hand (4)
    // are sent again, under the same Message-ID. None is lost.
    await waitFor(
      'every welcome e-mail SENT',
      async () => {
        const { rows: pending } = await notifications.query<{ status: string; count: number }>(
          'SELECT status::text, count(*)::int AS count FROM emails GROUP BY status',
        );
        return pending.length === 1 && pending[0]!.status === 'SENT' && pending[0]!.count === userIds.length;
      },
      150_000,
    );
    const kept = sink.messages();
    const messageIds = new Set(kept.map((message) => message.messageId));
    expect(messageIds.size).toBe(userIds.length);
    expect(kept.length - messageIds.size).toBeLessThanOrEqual(4);
  }, 300_000);
});

describe('process roles of a real unit', () => {
  it('ROLE=api consumes nothing (the event waits in the queue); ROLE=worker serves only probes and metrics, and stops cleanly on SIGTERM', async () => {
    const queuePrefix = `roles${randomBytes(4).toString('hex')}`;
    const relay = worker('accounts', queuePrefix);
    const api = startUnitProcess('notifications', {
      ...workerEnv('notifications', queuePrefix),
      ROLE: 'api',
    });
    processes.push(api);
    await Promise.all([relay.ready(), api.ready()]);
    const apiUrl = new URL(
      (JSON.parse(api.lines.find((line) => line.includes('subgraph ready'))!) as { url: string }).url,
    );
    expect((await fetch(new URL('/healthz', apiUrl))).status).toBe(200);

    const user = await openCustomerAccount(accounts, {
      email: `roles.${randomUUID()}@example.com`,
      name: 'Role Test',
      passwordHash: 'not-a-real-hash',
    });
    const queue = new Queue(eventQueueName('notifications'), {
      connection: redisConnection(redis.url),
      prefix: queuePrefix,
    });
    try {
      // Published by accounts' relay, then left alone by the API-only process.
      await waitFor('the event on notifications’ queue', async () => (await queue.getWaitingCount()) === 1, 60_000);
      await new Promise((resolve) => setTimeout(resolve, 1000));
      expect(await queue.getWaitingCount()).toBe(1);
      expect((await welcomesPerUser()).get(user.id)).toBeUndefined();

      const consumer = worker('notifications', queuePrefix);
      await consumer.ready();
      await waitFor('the WELCOME', async () => (await welcomesPerUser()).get(user.id) === 1, 60_000);
      const probesPort = (JSON.parse(consumer.lines.find((line) => line.includes('probes at'))!) as { port: number })
        .port;
      const probes = `http://127.0.0.1:${probesPort}`;
      expect((await fetch(`${probes}/readyz`)).status).toBe(200);
      expect((await fetch(`${probes}/graphql`)).status).toBe(404);
      expect(await (await fetch(`${probes}/metrics`)).text()).toMatch(
        /^unit_events_processed_total\{[^}]*outcome="applied"[^}]*\} 1$/m,
      );

      await consumer.kill('SIGTERM');
      expect(consumer.child.exitCode).toBe(0);
    } finally {
      await queue.close();
    }
  }, 300_000);
});
