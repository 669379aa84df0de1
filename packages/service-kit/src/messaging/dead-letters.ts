import { type UnitName, unitNames } from '@commerce/events';
import { type ConnectionOptions, Queue } from 'bullmq';
import {
  type DeadLetterData,
  deadLetterQueueName,
  defaultQueuePrefix,
  eventJobOptions,
  eventQueueName,
  retryJobId,
} from './queues.ts';

export interface DeadLetter {
  /** `<unit>/<dead-letter job id>`: what retry and discard take. */
  id: string;
  /** The queue the event failed on, e.g. `orders.events`. */
  queue: string;
  /** The event's id and type when the payload had them (a poison message may not). */
  eventId: string | null;
  type: string | null;
  envelope: unknown;
  error: string;
  attemptsMade: number;
  failedAt: string;
}

export interface DeadLetterPage {
  items: DeadLetter[];
  /** Pass as `after` for the next page; null on the last one. */
  endCursor: string | null;
  hasNextPage: boolean;
}

export interface QueueHealth {
  name: string;
  waiting: number;
  active: number;
  delayed: number;
  failed: number;
  deadLettered: number;
  /** Age of the oldest job waiting to be taken, 0 when none waits. */
  oldestWaitingSeconds: number;
}

export interface MessagingAdmin {
  /** Newest first, across every unit's dead letters or those of one queue (`orders.events`). */
  listDeadLetters(options: { queue?: string; first: number; after?: string | null }): Promise<DeadLetterPage>;
  /** Puts it back on its queue with its original envelope (and event id); null when unknown. */
  retryDeadLetter(id: string): Promise<{ queue: string; jobId: string } | null>;
  /** Deletes it; false when unknown. */
  discardDeadLetter(id: string): Promise<boolean>;
  queueHealth(): Promise<QueueHealth[]>;
  close(): Promise<void>;
}

const encodeCursor = (letter: Pick<DeadLetter, 'failedAt' | 'id'>) =>
  Buffer.from(`${letter.failedAt}|${letter.id}`).toString('base64url');
const decodeCursor = (cursor: string) => Buffer.from(cursor, 'base64url').toString();

/** The cursor of one dead letter in listDeadLetters' order (an edge's cursor). */
export const deadLetterCursor = encodeCursor;

/** Whether `cursor` is one listDeadLetters made: a failure time and a `<unit>/<job id>`. */
export function isDeadLetterCursor(cursor: string): boolean {
  const decoded = decodeCursor(cursor);
  return (
    Buffer.from(decoded).toString('base64url') === cursor &&
    /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z\|[a-z]+\/[^|]+$/.test(decoded)
  );
}

/**
 * What the operations unit needs over every unit's queues: dead letters to list, retry and
 * discard, and each queue's figures. Dead letters are listed by reading whole dead-letter queues,
 * which is fine while they hold what people look at (hundreds), not millions.
 */
export function createMessagingAdmin(options: {
  connection: ConnectionOptions;
  queuePrefix?: string;
  units?: readonly UnitName[];
}): MessagingAdmin {
  const prefix = options.queuePrefix ?? defaultQueuePrefix;
  const units = options.units ?? unitNames;
  const queues = new Map<string, Queue>();
  const queue = (name: string) => {
    let found = queues.get(name);
    if (!found) {
      found = new Queue(name, { connection: options.connection, prefix });
      queues.set(name, found);
    }
    return found;
  };
  const unitOf = (id: string) => {
    const [unit, jobId] = [id.slice(0, id.indexOf('/')), id.slice(id.indexOf('/') + 1)];
    return (units as readonly string[]).includes(unit) && jobId ? { unit: unit as UnitName, jobId } : undefined;
  };

  async function deadLettersOf(unit: UnitName): Promise<DeadLetter[]> {
    const jobs = await queue(deadLetterQueueName(unit)).getJobs(['waiting'], 0, -1);
    return jobs.map((job) => {
      const data = job.data as DeadLetterData;
      const envelope = data.envelope as { id?: unknown; type?: unknown } | null;
      return {
        id: `${unit}/${job.id}`,
        queue: data.originalQueue,
        eventId: typeof envelope?.id === 'string' ? envelope.id : null,
        type: typeof envelope?.type === 'string' ? envelope.type : null,
        envelope: data.envelope,
        error: data.error,
        attemptsMade: data.attemptsMade,
        failedAt: data.failedAt,
      };
    });
  }

  return {
    async listDeadLetters({ queue: queueName, first, after }) {
      const chosen = queueName ? units.filter((unit) => eventQueueName(unit) === queueName) : units;
      const all = (await Promise.all(chosen.map(deadLettersOf))).flat();
      all.sort((a, b) => (a.failedAt === b.failedAt ? b.id.localeCompare(a.id) : b.failedAt.localeCompare(a.failedAt)));
      const start = after ? all.findIndex((letter) => encodeCursor(letter) === after) + 1 : 0;
      if (after && start === 0) {
        // The cursor's letter is gone (retried or discarded): continue after where it stood.
        const [failedAt, id] = decodeCursor(after).split('|') as [string, string];
        const next = all.findIndex((l) => l.failedAt < failedAt || (l.failedAt === failedAt && l.id < id));
        return page(all, next === -1 ? all.length : next, first);
      }
      return page(all, start, first);
    },

    async retryDeadLetter(id) {
      const found = unitOf(id);
      if (!found) return null;
      const deadLetterQueue = queue(deadLetterQueueName(found.unit));
      const job = await deadLetterQueue.getJob(found.jobId);
      if (!job) return null;
      const data = job.data as DeadLetterData;
      const envelope = data.envelope as { type?: unknown };
      const jobId = retryJobId(found.jobId);
      // Added before the dead letter is removed, under an id derived from it: a retry repeated
      // after a crash in between adds nothing twice (and the inbox would skip it anyway).
      await queue(data.originalQueue).add(
        typeof envelope?.type === 'string' ? envelope.type : 'unknown',
        data.envelope,
        eventJobOptions(jobId),
      );
      await job.remove();
      return { queue: data.originalQueue, jobId };
    },

    async discardDeadLetter(id) {
      const found = unitOf(id);
      if (!found) return false;
      const job = await queue(deadLetterQueueName(found.unit)).getJob(found.jobId);
      if (!job) return false;
      await job.remove();
      return true;
    },

    async queueHealth() {
      return Promise.all(
        units.map(async (unit) => {
          const events = queue(eventQueueName(unit));
          const [counts, deadLettered, [oldest]] = await Promise.all([
            events.getJobCounts('waiting', 'active', 'delayed', 'failed', 'prioritized'),
            queue(deadLetterQueueName(unit)).getWaitingCount(),
            events.getJobs(['waiting'], 0, 0, true),
          ]);
          return {
            name: eventQueueName(unit),
            waiting: (counts.waiting ?? 0) + (counts.prioritized ?? 0),
            active: counts.active ?? 0,
            delayed: counts.delayed ?? 0,
            failed: counts.failed ?? 0,
            deadLettered,
            oldestWaitingSeconds: oldest ? Math.max(0, Math.floor((Date.now() - oldest.timestamp) / 1000)) : 0,
          };
        }),
      );
    },

    async close() {
      await Promise.all([...queues.values()].map((q) => q.close()));
    },
  };
}

function page(all: DeadLetter[], start: number, first: number): DeadLetterPage {
  const items = all.slice(start, start + first);
  const last = items.at(-1);
  return { items, endCursor: last ? encodeCursor(last) : null, hasNextPage: start + first < all.length };
}
