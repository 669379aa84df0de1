import {
  type EventConditions,
  type EventRouting,
  eventConditions,
  eventDefinitions,
  eventSubscribers,
  isEventType,
  type UnitName,
  unitNames,
} from '@commerce/events';
import { type ConnectionOptions, Queue } from 'bullmq';
import pg from 'pg';
import type { Logger } from '../logger.ts';
import type { LivePublisher } from './live.ts';
import { defaultQueuePrefix, eventJobOptions, eventQueueName } from './queues.ts';

export interface PublishedEvent {
  id: string;
  type: string;
  /** The queues it was added to (none for a type nobody consumes). */
  queues: string[];
  /** From the emitting transaction's start (the row's created_at) to the relay's add. */
  lagMs: number;
}

export interface RelayOptions {
  unit: UnitName;
  /** The unit's own database, where its outbox_events table is. */
  databaseUrl: string;
  /** BullMQ's Redis connection (see redisConnection). */
  connection: ConnectionOptions;
  queuePrefix?: string;
  routing?: EventRouting;
  /** Which of a type's events a consumer is sent (default: the registry's eventConditions). */
  conditions?: EventConditions;
  logger: Logger;
  /** The safety net when a notification is missed (default 1,000 ms). */
  pollIntervalMs?: number;
  /**
   * How long a notification waits for others before a batch is claimed (default 5 ms): rows
   * committed meanwhile go out in the same batch, one claim and one mark for all of them (each
   * batch is two Postgres round trips and a Redis one, whatever its size).
   */
  gatherMs?: number;
  /**
   * A batch's rows are marked published with the next batch's read (one round trip a batch);
   * with no next batch within this time (default 200 ms), alone. A crash before the mark
   * publishes them again, which changes nothing (see startRelay).
   */
  markAfterMs?: number;
  batchSize?: number;
  /** Published rows older than this are deleted (default 7 days). */
  retentionHours?: number;
  pruneIntervalMs?: number;
  /**
   * Also append each event's live update to the unit's live stream (messaging/live.ts), for the
   * router's subscriptions: after the queues, before the rows are marked, once per event.
   */
  live?: LivePublisher;
  /** Metrics hook, called after each batch BullMQ accepted. */
  onPublished?: (events: readonly PublishedEvent[]) => void;
  /**
   * Fault injection for tests only: runs after a batch was added to the queues and before it is
   * marked published (tests kill the process here).
   */
  faults?: { beforeMark?: (eventIds: readonly string[]) => void | Promise<void> };
}

export interface Relay {
  /** Looks for unpublished rows now (a notification does the same). */
  wake(): void;
  /** Stops between batches and closes its connections. */
  stop(): Promise<void>;
}

interface OutboxRow {
  id: string;
  type: string;
  envelope: unknown;
  created_at: Date;
}

const listenRetryMaxMs = 5000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * How long BullMQ holds a timer event (one whose type has `deliverAt`, e.g. a saga step's
 * deadline) before delivering it: a delayed job, so the timer lives in Redis (append-only) and
 * survives any process. Zero for every other event, and for a timer already due.
 */
function delayOf(row: OutboxRow): number {
  if (!isEventType(row.type)) return 0;
  const deliverAt = (eventDefinitions[row.type] as { deliverAt?: (data: never) => Date }).deliverAt;
  if (!deliverAt) return 0;
  const data = (row.envelope as { data?: never } | null)?.data;
  const due = data === undefined ? Number.NaN : deliverAt(data).getTime();
  return Number.isFinite(due) ? Math.max(0, due - Date.now()) : 0;
}

/**
 * The relay's read of the next batch: the oldest unpublished rows, in `position` order. It walks
 * the (published_at, position) index from the start of its NULL range in the index's own order,
 * so LIMIT stops it after the batch. Marking a row published leaves its old entry in that range,
 * pointing at a dead row, until VACUUM; a plain index scan flags such entries as it passes them
 * and skips them cheaply from then on. The planner's other choices cost far more on a table that
 * keeps its published rows for days: ordered by `position` alone, it may walk the whole table
 * through the position index; sorting, it reads every unpublished row and every stale entry on
 * each claim (with a bitmap scan, which never flags them), a backlog's worth for each batch of it.
 * Hence the order as written, and no sorts in the relay's session (RELAY_SESSION_SETTINGS).
 */
export const claimStatement = (batchSize: number) =>
  `SELECT id, type, envelope, created_at FROM outbox_events WHERE published_at IS NULL ORDER BY published_at, position LIMIT ${Number(batchSize)}`;

/**
 * The settings of the relay's own session, whose only statements are the claim and the marks:
 * no sort plans (see claimStatement), and marks that commit without waiting for the WAL flush
 * (see startRelay).
 */
export const RELAY_SESSION_SETTINGS = '-c synchronous_commit=off -c enable_sort=off';

/**
 * Publishes a unit's committed outbox rows to the queues of the units that consume them. Batches
 * are read through one connection holding a session advisory lock for the unit, so two relays of
 * one unit never work at once (and rows go out in `position` order); a batch's rows are marked
 * published after BullMQ accepted them, with the next batch's read. A crash in between publishes
 * them again on restart, and BullMQ drops the copy since the job id is the event id (while the
 * completed job is kept, 24 h); past that, consumers' inboxes make the copy change nothing.
 */
export async function startRelay(options: RelayOptions): Promise<Relay> {
  const { unit, logger } = options;
  const routing: EventRouting = options.routing ?? eventSubscribers;
  const conditions: EventConditions = options.conditions ?? eventConditions;
  /** The units this row goes to: those routed its type whose condition (if any) accepts its data. */
  const consumersOf = (row: OutboxRow): readonly UnitName[] => {
    const routed = routing[row.type] ?? [];
    const accepts = conditions[row.type];
    if (!accepts) return routed;
    const data = (row.envelope as { data?: never } | null)?.data as never;
    return routed.filter((unit) => accepts[unit]?.(data) ?? true);
  };
  const prefix = options.queuePrefix ?? defaultQueuePrefix;
  const pollIntervalMs = options.pollIntervalMs ?? 1000;
  const batchSize = options.batchSize ?? 200;
  const gatherMs = options.gatherMs ?? 5;
  const markAfterMs = options.markAfterMs ?? 200;
  let marking: NodeJS.Timeout | undefined;
  const retentionHours = options.retentionHours ?? 7 * 24;
  const channel = `outbox_${unit}`;
  const log = logger.child({ component: 'outbox-relay', unit });

  const pool = new pg.Pool({ connectionString: options.databaseUrl, max: 1, keepAlive: true });
  // Pruning's connection. An idle client losing its server (a Postgres restart) is reported here.
  pool.on('error', (error) => log.warn({ err: error }, 'outbox relay: database connection lost'));

  const queues = new Map<UnitName, Queue>();
  const queueOf = (consumer: UnitName) => {
    let queue = queues.get(consumer);
    if (!queue) {
      queue = new Queue(eventQueueName(consumer), { connection: options.connection, prefix });
      queue.on('error', (error) => log.warn({ err: error }, 'outbox relay: Redis error'));
      queues.set(consumer, queue);
    }
    return queue;
  };

  let stopped = false;
  let draining: Promise<void> | undefined;
  let wokenWhileDraining = false;
  let failing = false;

  // The rows go out through one connection holding a session advisory lock for the unit, so two
  // relays of one unit never work at once (and rows go out in `position` order). A batch is one
  // round trip: the previous batch's rows are marked published and the next ones read, in one
  // message (no parameters: the ids come from the table as uuids), one implicit transaction.
  if (!unitNames.includes(unit)) throw new Error(`outbox relay: unknown unit ${unit}`);
  const lock = `SELECT pg_try_advisory_lock(hashtext('outbox-relay'), hashtext('${unit}')) AS locked`;
  const claim = claimStatement(batchSize);
  const markPublished = (ids: readonly string[]) => {
    if (!ids.every((id) => UUID.test(id))) throw new Error('outbox relay: an outbox row id is not a uuid');
    return `UPDATE outbox_events SET published_at = clock_timestamp() WHERE id = ANY('{${ids.join(',')}}'::uuid[])`;
  };
  // One connection, kept (an idle one closing would give the lock up): the lock is the session's.
  // Its only writes are the marks, committed without waiting for the WAL flush (the batch's read,
  // in the same message, comes back that much sooner): a mark lost to a Postgres crash publishes
  // its rows once more, which changes nothing (see startRelay). Every other commit of the unit
  // still waits for its flush.
  const lockPool = new pg.Pool({
    connectionString: options.databaseUrl,
    options: RELAY_SESSION_SETTINGS,
    max: 1,
    keepAlive: true,
    idleTimeoutMillis: 0,
  });
  lockPool.on('error', (error) => log.warn({ err: error }, 'outbox relay: database connection lost'));
  const lockHolders = new WeakSet<pg.PoolClient>();
  /** Rows added to the queues and not yet marked: marked with the next batch's read. */
  let unmarked: string[] = [];

  async function publishBatch(): Promise<number> {
    const client = await lockPool.connect();
    let broken: Error | undefined;
    try {
      if (!lockHolders.has(client)) {
        const { rows } = await client.query(lock);
        if (!rows[0]?.locked) return 0; // another relay of this unit is at work; it will see our rows too
        lockHolders.add(client);
      }
      const marking = unmarked;
      if (marking.length > 0) await options.faults?.beforeMark?.(marking);
      const result = await client.query(marking.length > 0 ? `${markPublished(marking)}; ${claim}` : claim);
      unmarked = [];
      const batch = Array.isArray(result) ? (result as pg.QueryResult[])[1]! : result;
      const rows = batch.rows as OutboxRow[];
      if (rows.length === 0) return 0;
      const published = await publish(rows);
      unmarked = rows.map((row) => row.id);
      options.onPublished?.(published);
      return rows.length;
    } catch (error) {
      broken = error as Error; // a connection in doubt is dropped, and its lock with it
      throw error;
    } finally {
      client.release(broken);
    }
  }

  async function publish(rows: OutboxRow[]): Promise<PublishedEvent[]> {
    const byQueue = new Map<UnitName, OutboxRow[]>();
    const published = rows.map((row) => {
      const consumers = consumersOf(row);
      for (const consumer of consumers) byQueue.set(consumer, [...(byQueue.get(consumer) ?? []), row]);
      return {
        id: row.id,
        type: row.type,
        queues: consumers.map(eventQueueName),
        lagMs: Date.now() - row.created_at.getTime(),
      };
    });
    // One addBulk per queue keeps the rows' order within each queue.
    await Promise.all(
      [...byQueue].map(([consumer, queued]) =>
        queueOf(consumer).addBulk(
          queued.map((row) => ({
            name: row.type,
            data: row.envelope,
            opts: { ...eventJobOptions(row.id), delay: delayOf(row) },
          })),
        ),
      ),
    );
    await options.live?.publish(rows.map((row) => row.envelope));
    return published;
  }

  async function drain() {
    clearTimeout(marking);
    try {
      while (!stopped && (await publishBatch()) === batchSize) {}
      if (failing) log.info('outbox relay: publishing again');
      failing = false;
    } catch (error) {
      // The next notification or poll tries again; logged once per outage.
      if (!failing) log.warn({ err: error }, 'outbox relay: batch failed; retrying');
      failing = true;
    }
    // The last batch is marked with the next one, or alone if none comes soon.
    if (unmarked.length > 0 && !stopped) marking = setTimeout(wake, markAfterMs);
  }

  let gathering: NodeJS.Timeout | undefined;
  function wake() {
    if (stopped) return;
    if (draining) {
      wokenWhileDraining = true;
      return;
    }
    if (gathering) return;
    gathering = setTimeout(() => {
      gathering = undefined;
      startDrain();
    }, gatherMs);
  }

  function startDrain() {
    if (stopped || draining) return;
    draining = drain().finally(() => {
      draining = undefined;
      if (wokenWhileDraining) {
        wokenWhileDraining = false;
        wake();
      }
    });
  }

  // LISTEN on a connection of its own, reconnecting after a Postgres restart; each (re)connect
  // wakes the relay, since notifications sent while it was away are gone.
  let listener: pg.Client | undefined;
  let listenerClosed: (() => void) | undefined;
  const listening = (async () => {
    let retryMs = 100;
    while (!stopped) {
      const client = new pg.Client({ connectionString: options.databaseUrl, keepAlive: true });
      listener = client;
      const closed = new Promise<void>((resolve) => {
        listenerClosed = resolve;
        client.on('error', (error) => {
          if (!stopped) log.warn({ err: error }, 'outbox relay: LISTEN connection lost');
          resolve();
        });
        client.on('end', () => resolve());
      });
      try {
        await client.connect();
        await client.query(`LISTEN "${channel}"`);
        client.on('notification', () => wake());
        retryMs = 100;
        wake();
        await closed;
      } catch (error) {
        if (!stopped) log.warn({ err: error }, 'outbox relay: cannot LISTEN; retrying');
      }
      await client.end().catch(() => {});
      if (!stopped) {
        await new Promise((resolve) => setTimeout(resolve, retryMs));
        retryMs = Math.min(listenRetryMaxMs, retryMs * 2);
      }
    }
  })();

  const poll = setInterval(wake, pollIntervalMs);
  const prune = setInterval(() => {
    pool
      .query('DELETE FROM outbox_events WHERE published_at < now() - make_interval(hours => $1)', [retentionHours])
      .then(
        (result) => result.rowCount && log.info({ deleted: result.rowCount }, 'outbox relay: pruned published rows'),
      )
      .catch((error) => log.warn({ err: error }, 'outbox relay: pruning failed'));
  }, options.pruneIntervalMs ?? 60_000);

  return {
    wake,
    async stop() {
      stopped = true;
      clearTimeout(gathering);
      clearTimeout(marking);
      clearInterval(poll);
      clearInterval(prune);
      while (draining) await draining;
      listenerClosed?.();
      await listener?.end().catch(() => {});
      await listening;
      if (unmarked.length > 0) {
        await lockPool
          .query(markPublished(unmarked))
          .catch((error) => log.warn({ err: error }, 'outbox relay: last batch not marked; published again next time'));
      }
      await Promise.all([...queues.values()].map((queue) => queue.close()));
      await Promise.all([pool.end(), lockPool.end()]);
    },
  };
}
