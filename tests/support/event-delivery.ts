// A unit's real consumers in the test's process, on the shared Redis under a queue prefix of
// their own (so the running system's workers never see these jobs), over the unit's test
// database: a test hands it events as the relay would and waits for each job to finish.
import { randomUUID } from 'node:crypto';
import { type CommerceEvent, productCreated, type UnitName } from '@commerce/events';
import {
  createLogger,
  deadLetterQueueName,
  type EventHandlers,
  eventJobOptions,
  eventQueueName,
  redisConnection,
  startConsumers,
  type TransactionStore,
} from '@commerce/service-kit';
import { Queue } from 'bullmq';

export async function startEventDelivery<Tx>(options: {
  unit: UnitName;
  /** The unit's store: its SqlPool, or prismaStore(db) for a unit whose handlers use Prisma. */
  store: TransactionStore<Tx>;
  handlers: EventHandlers<Tx>;
  redisUrl: string;
  /** The unit's own queue settings, when a test needs them (default: the consumer's concurrency, 2 tries, 100–200 ms). */
  concurrency?: number;
  attempts?: number;
  backoff?: { baseMs: number; maxMs: number };
}) {
  const connection = redisConnection(options.redisUrl);
  const prefix = `${process.env.TEST_DATABASE_PREFIX ?? 'commerce_test_'}delivery-${randomUUID().slice(0, 8)}`;
  const queue = new Queue(eventQueueName(options.unit), { connection, prefix });
  const consumers = startConsumers({
    unit: options.unit,
    store: options.store,
    handlers: options.handlers,
    connection,
    queuePrefix: prefix,
    logger: createLogger(`${options.unit}-delivery-test`, 'silent'),
    concurrency: options.concurrency,
    attempts: options.attempts ?? 2,
    backoff: options.backoff ?? { baseMs: 100, maxMs: 200 },
  });

  return {
    /** The BullMQ prefix of these queues, for a test that looks at them (dead letters, a job's attempts). */
    prefix,
    /**
     * Delivers an event as one job and waits until the job is done. A second delivery of the same
     * event gets a new job id (a re-publish after BullMQ forgot the first), so only the inbox can
     * tell it was applied before. A test that watches the job meanwhile gives its id.
     */
    async deliver(event: CommerceEvent, jobId = `${event.id}.${randomUUID().slice(0, 8)}`): Promise<string> {
      await queue.add(event.type, event, eventJobOptions(jobId));
      const deadline = Date.now() + 30_000;
      for (;;) {
        const state = await queue.getJobState(jobId);
        if (state === 'completed' || state === 'failed') return state;
        if (Date.now() > deadline) throw new Error(`job ${jobId} (${event.type}) still ${state} after 30 s`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    async stop() {
      await consumers.stop();
      const deadLetters = new Queue(deadLetterQueueName(options.unit), { connection, prefix });
      await Promise.all([queue, deadLetters].map((q) => q.obliterate({ force: true }).finally(() => q.close())));
    },
  };
}

/** A product's creation as catalog announces it (version 1, on sale), for the units that copy it. */
export const productCreatedEvent = (productId: string = randomUUID()) =>
  productCreated.create({
    productId,
    sku: `SKU-${productId.slice(0, 8)}`,
    name: 'Enamel mug',
    priceCents: 1200,
    currency: 'EUR',
    onSale: true,
    version: 1,
  });
