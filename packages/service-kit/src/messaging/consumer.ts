import { type EventOf, type EventType, parseEvent, type UnitName } from '@commerce/events';
import { type ConnectionOptions, type Job, Queue, UnrecoverableError, Worker } from 'bullmq';
import type { Logger } from '../logger.ts';
import type { Sql, TransactionStore } from '../sql.ts';
import { jitteredBackoff } from './backoff.ts';
import {
  type DeadLetterData,
  deadLetterJobId,
  deadLetterQueueName,
  defaultQueuePrefix,
  eventQueueName,
  jitteredBackoffType,
} from './queues.ts';

/** Thrown by a handler for an event that can never be applied: dead-lettered at once, not retried. */
export class PermanentError extends Error {
  override name = 'PermanentError';
}

/**
 * The event's inbox row, sent with the transaction's BEGIN. Written out, not parameterised: the id
 * is a uuid and the type a registered event type (parseEvent checked both), re-checked here.
 */
function inboxInsert(event: { id: string; type: string }): string {
  if (!/^[0-9a-f-]{36}$/i.test(event.id) || !/^[a-z.-]+$/.test(event.type)) {
    throw new PermanentError(`not an inbox key: ${event.id} ${event.type}`);
  }
  return `INSERT INTO inbox_events (event_id, type) VALUES ('${event.id}'::uuid, '${event.type}') ON CONFLICT (event_id) DO NOTHING`;
}

/**
 * A handler whose work includes a call to the outside world (a payment provider, a mail server)
 * that must not run inside a database transaction. `outside` runs first, with no transaction, and
 * is skipped for a job that may have been applied and whose event the inbox has recorded; it must
 * be safe to repeat (an idempotency key, a Message-ID, a state it checks first), since a crash
 * before the commit runs it again, and a re-published event may reach it once more. Then `inside` records its result in
 * the transaction that records the event. `signal` aborts when the consumer stops (SIGTERM): a
 * long wait (an open circuit) gives the job back instead of holding the shutdown.
 */
export interface EffectHandler<E, Tx, R> {
  outside: (event: E, signal: AbortSignal) => Promise<R>;
  /**
   * One statement without parameters sent with BEGIN, after the inbox row (a round trip fewer):
   * a read whose rows `inside` gets (a row to lock), or the record of the result itself when it
   * is one idempotent write (it runs even when the inbox had the event, so a second run must
   * change nothing: a write conditional on the state it moves from). None: nothing is sent.
   */
  withBegin?: (event: E, result: R) => string | undefined;
  inside: (event: E, tx: Tx, result: R, context: HandlerContext, rows: Record<string, unknown>[]) => Promise<void>;
}

/** What a handler may ask of its consumer besides its transaction. */
export interface HandlerContext {
  /**
   * Withdraws a timer (an event this unit sent itself, waiting in its own queue as a delayed job
   * whose id is the event's) once this transaction has committed: the step it guards is over, so
   * it need not fire. Best effort, after the commit: a timer not withdrawn (a crash just then,
   * Redis away, a timer not yet published) fires later, and must then change nothing.
   */
  withdrawTimerAfterCommit(eventId: string): void;
}

/** Builds an EffectHandler, keeping the type of the outside call's result between the two halves. */
export function withEffect<E, Tx, R>(handler: EffectHandler<E, Tx, R>): EffectHandler<E, Tx, unknown> {
  return handler as EffectHandler<E, Tx, unknown>;
}

/**
 * A handler that reads what it decides from in the round trip that opens its transaction (with
 * BEGIN and the inbox row): `reads` is one statement without parameters (ids written in with
 * uuidLiteral), run after the inbox row; `apply` gets its rows.
 */
export interface ReadingHandler<E, Tx, Row = Record<string, unknown>> {
  reads: (event: E) => string;
  apply: (event: E, tx: Tx, rows: Row[], context: HandlerContext) => Promise<void>;
}

/** Builds a ReadingHandler, keeping the type of the rows its read returns. */
export function withReads<E, Tx, Row>(handler: ReadingHandler<E, Tx, Row>): ReadingHandler<E, Tx> {
  return handler as unknown as ReadingHandler<E, Tx>;
}

/**
 * A handler whose effect is idempotent by itself: every write is one statement that compares the
 * version the event carries with the one it finds (an older event or a redelivery writes nothing),
 * so it needs no inbox row and no transaction. It runs its statements on the store directly, each
 * one atomic: one round trip a job where an inbox takes three (BEGIN with the inbox row, the write,
 * COMMIT). Only for a copy kept by version; anything that must happen once per event keeps the inbox.
 */
export interface VersionedHandler<E> {
  byVersion: (event: E, sql: Sql) => Promise<void>;
}

/** Builds a VersionedHandler (see there: only for writes that compare versions). */
export function byVersion<E>(apply: (event: E, sql: Sql) => Promise<void>): VersionedHandler<E> {
  return { byVersion: apply };
}

export type EventHandler<E, Tx> =
  | ((event: E, tx: Tx, context: HandlerContext) => Promise<void>)
  | EffectHandler<E, Tx, unknown>
  | ReadingHandler<E, Tx>
  | VersionedHandler<E>;

/** What a unit does with each event type it consumes, inside the transaction that records it. */
export type EventHandlers<Tx> = { [T in EventType]?: EventHandler<EventOf<T>, Tx> };

export type ConsumerOutcome = 'applied' | 'duplicate' | 'retrying' | 'dead-lettered';

export interface ConsumersOptions<Tx> {
  unit: UnitName;
  /** Where the inbox is and the handlers' transactions run: a unit's SqlPool, or prismaStore(db). */
  store: TransactionStore<Tx>;
  handlers: EventHandlers<Tx>;
  connection: ConnectionOptions;
  queuePrefix?: string;
  logger: Logger;
  /** Jobs of this unit's queue run at once (default 4): the queue's own bulkhead. */
  concurrency?: number;
  /** Tries before a transient failure is dead-lettered (default 8). */
  attempts?: number;
  /** Retry delays: exponential from baseMs, capped at maxMs, with jitter (default 500 ms, 60 s). */
  backoff?: { baseMs: number; maxMs: number };
  /** BullMQ's stalled-job recovery (a worker that died mid-job): defaults 30 s, 30 s, 2. */
  lockDurationMs?: number;
  stalledIntervalMs?: number;
  maxStalledCount?: number;
  /** Metrics hook, per job, called after the effect's commit; lagMs runs from the event's occurredAt. */
  onProcessed?: (outcome: {
    eventId: string | undefined;
    type: string;
    outcome: ConsumerOutcome;
    lagMs: number;
  }) => void;
  /** Fault injection for tests only: runs after the effect committed, before the job completes. */
  faults?: { afterCommit?: (eventId: string) => void | Promise<void> };
}

export interface Consumers {
  /** Finishes the jobs in hand (or hands them back when they outlast BullMQ's lock) and stops. */
  stop(): Promise<void>;
}

/**
 * Runs a unit's event handlers on its queue. Per job: the envelope is validated (an invalid one is
 * dead-lettered at once); then, in one transaction, the event id goes into inbox_events and the
 * handler runs, so an event already recorded is skipped and a redelivery changes nothing.
 * Transient errors are retried with jittered exponential backoff; after the last attempt, or at
 * once for a PermanentError, the job is dead-lettered.
 */
export function startConsumers<Tx>(options: ConsumersOptions<Tx>): Consumers {
  const { unit, store, handlers, logger } = options;
  const prefix = options.queuePrefix ?? defaultQueuePrefix;
  const attempts = options.attempts ?? 8;
  const backoff = options.backoff ?? { baseMs: 500, maxMs: 60_000 };
  const queueName = eventQueueName(unit);
  const log = logger.child({ component: 'event-consumer', unit });

  const deadLetters = new Queue<DeadLetterData>(deadLetterQueueName(unit), { connection: options.connection, prefix });
  deadLetters.on('error', (error) => log.warn({ err: error }, 'dead-letter queue: Redis error'));

  /**
   * Adds the dead-letter job BEFORE the original is finished as failed, under an id derived from
   * the original's: a crash in between leaves the original to be redelivered, and the redo adds
   * nothing (BullMQ keeps the first job of an id).
   */
  async function deadLetter(job: Job, error: string, attemptsMade: number): Promise<UnrecoverableError> {
    await deadLetters.add(
      'dead-letter',
      {
        envelope: job.data,
        error,
        attemptsMade,
        originalQueue: queueName,
        originalJobId: job.id as string,
        failedAt: new Date().toISOString(),
      },
      { jobId: deadLetterJobId(job.id as string) },
    );
    log.error({ jobId: job.id, error, attemptsMade }, 'event dead-lettered');
    return new UnrecoverableError(error);
  }

  const lag = (job: Job) => {
    const occurredAt = Date.parse((job.data as { occurredAt?: string })?.occurredAt ?? '');
    return Number.isNaN(occurredAt) ? 0 : Date.now() - occurredAt;
  };
  const report = (job: Job, outcome: ConsumerOutcome) =>
    options.onProcessed?.({
      eventId: (job.data as { id?: string } | undefined)?.id,
      type: job.name,
      outcome,
      lagMs: lag(job),
    });

  // The unit's own queue, for withdrawing its timers (opened on first use: most units set none).
  let ownQueue: Queue | undefined;
  async function withdrawTimers(eventIds: readonly string[]): Promise<void> {
    if (!ownQueue) {
      ownQueue = new Queue(queueName, { connection: options.connection, prefix });
      ownQueue.on('error', (error) => log.warn({ err: error }, 'event consumer: Redis error'));
    }
    const queue = ownQueue;
    await Promise.all(
      eventIds.map((eventId) =>
        queue
          .remove(eventId)
          .catch((error) => log.warn({ err: error, eventId }, 'timer not withdrawn; it fires unneeded')),
      ),
    );
  }

  const stopping = new AbortController();
  /** Whether the inbox recorded the event: an effect handler's outside call is skipped then. */
  async function inboxHas(eventId: string): Promise<boolean> {
    return (await store.query('SELECT 1 FROM inbox_events WHERE event_id = $1::uuid', [eventId])).length > 0;
  }

  /**
   * Records the event in the inbox and runs its handler in that transaction: true, or false when
   * the inbox had it already; 'seen' when an effect handler's outside call was skipped for it.
   */
  async function applyWithInbox(
    job: Job,
    event: { id: string; type: string },
    handler: Exclude<EventHandler<unknown, unknown>, VersionedHandler<unknown>>,
    context: HandlerContext,
  ): Promise<boolean | 'seen'> {
    let effect: unknown;
    if (typeof handler !== 'function' && 'outside' in handler) {
      // The relay's job at its first delivery has not been applied: it is the event's first
      // job (its id is the event's), never run before, not stalled. Only a job that may have
      // been (a retry, a stalled or re-published one, a dead letter's retry) is looked up. The
      // rest, a re-publish after BullMQ forgot the completed job (24 h), is what `outside`
      // must be safe to repeat for anyway.
      const mayBeApplied = job.attemptsMade > 0 || job.stalledCounter > 0 || job.id !== event.id;
      if (mayBeApplied && (await inboxHas(event.id))) return 'seen';
      effect = await handler.outside(event, stopping.signal);
    }
    const reads =
      typeof handler === 'function'
        ? undefined
        : 'outside' in handler
          ? handler.withBegin?.(event, effect)
          : handler.reads(event);
    return store.transaction(
      async (tx, recorded, rows) => {
        if (recorded === 0) return false; // applied before: the inbox row and the effect committed together
        if (typeof handler === 'function') await handler(event, tx, context);
        else if ('outside' in handler) await handler.inside(event, tx, effect, context, rows);
        else await handler.apply(event, tx, rows, context);
        return true;
      },
      inboxInsert(event),
      reads,
    );
  }

  async function process(job: Job): Promise<void> {
    const jobId = job.id as string;
    // Dead-lettered already, by a worker that died before finishing the job: finish it now. Only a
    // job that stalled (its worker died holding it) can have been, so only such a job is looked up.
    if (job.stalledCounter > 0 && (await deadLetters.getJob(deadLetterJobId(jobId)))) {
      throw new UnrecoverableError('dead-lettered already');
    }

    const parsed = parseEvent(job.data);
    if (!parsed.ok) {
      report(job, 'dead-lettered');
      throw await deadLetter(job, `invalid event: ${parsed.reason}`, job.attemptsMade + 1);
    }
    const event = parsed.event;
    const handler = handlers[event.type] as EventHandler<unknown, unknown> | undefined;
    if (!handler) {
      report(job, 'dead-lettered');
      throw await deadLetter(job, `${unit} has no handler for ${event.type}`, job.attemptsMade + 1);
    }

    let applied: boolean | 'seen';
    const timersDone: string[] = [];
    const context: HandlerContext = { withdrawTimerAfterCommit: (eventId) => timersDone.push(eventId) };
    try {
      if (typeof handler !== 'function' && 'byVersion' in handler) {
        await handler.byVersion(event, store);
        applied = true; // or found a newer version there already: the versions tell, no inbox
      } else applied = await applyWithInbox(job, event, handler, context);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const attemptsMade = job.attemptsMade + 1;
      if (error instanceof PermanentError || attemptsMade >= attempts) {
        report(job, 'dead-lettered');
        throw await deadLetter(job, message, attemptsMade);
      }
      report(job, 'retrying');
      log.warn({ jobId, type: event.type, attemptsMade, err: error }, 'event handler failed; will retry');
      throw error;
    }
    if (applied === 'seen') {
      report(job, 'duplicate');
      return;
    }
    if (applied && timersDone.length > 0) await withdrawTimers(timersDone);
    await options.faults?.afterCommit?.(event.id);
    report(job, applied ? 'applied' : 'duplicate');
  }

  const worker = new Worker(queueName, process, {
    connection: options.connection,
    prefix,
    concurrency: options.concurrency ?? 4,
    lockDuration: options.lockDurationMs ?? 30_000,
    stalledInterval: options.stalledIntervalMs ?? 30_000,
    maxStalledCount: options.maxStalledCount ?? 2,
    settings: {
      backoffStrategy: (retry, type) =>
        type === jitteredBackoffType ? jitteredBackoff(retry, backoff.baseMs, backoff.maxMs) : backoff.baseMs,
    },
  });
  worker.on('error', (error) => log.warn({ err: error }, 'event consumer: Redis error'));
  // A job BullMQ failed without our processor (stalled too often) still goes to dead letters.
  worker.on('failed', (job, error) => {
    if (!job || error instanceof UnrecoverableError || error.name === 'UnrecoverableError') return;
    if (job.attemptsMade < job.opts.attempts! && !error.message.includes('stalled')) return;
    deadLetter(job, error.message, job.attemptsMade).catch((failure) =>
      log.error({ err: failure, jobId: job.id }, 'could not dead-letter a failed job'),
    );
  });

  return {
    async stop() {
      stopping.abort(new Error('the consumer is stopping'));
      await worker.close();
      await Promise.all([deadLetters.close(), ownQueue?.close()]);
    },
  };
}
