import type { ServerResponse } from 'node:http';
import type { UnitName } from '@commerce/events';
import type { ConnectionOptions } from 'bullmq';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { ConsumerOutcome } from './consumer.ts';
import { createMessagingAdmin } from './dead-letters.ts';
import type { PublishedEvent } from './relay.ts';

// Event lag spans more than request time: a retried event can take a minute.
const LAG_SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];
/** A scrape never waits for an unreachable Redis longer than this (BullMQ's commands would wait forever). */
const QUEUE_READ_TIMEOUT_MS = 3000;

function within<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * What a unit's /metrics shows (Prometheus text, every series labelled with the unit): its own
 * event queue's depth, read from Redis at each scrape; how long events took from commit to the
 * consumer's effect and to the relay's publish (histograms fed by the workers of this process).
 */
export function createUnitMetrics(options: { unit: UnitName; connection: ConnectionOptions; queuePrefix: string }) {
  const registry = new Registry();
  registry.setDefaultLabels({ unit: options.unit });
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  const admin = createMessagingAdmin({
    connection: options.connection,
    queuePrefix: options.queuePrefix,
    units: [options.unit],
  });

  const queueFigures = { waiting: 0, active: 0, delayed: 0, failed: 0, deadLettered: 0, oldestWaitingSeconds: 0 };
  let queueName = `${options.unit}.events`;
  let queueReadable = 0;
  async function readQueue() {
    try {
      const [health] = await within(admin.queueHealth(), QUEUE_READ_TIMEOUT_MS);
      if (health) {
        queueName = health.name;
        Object.assign(queueFigures, health);
      }
      queueReadable = 1;
    } catch {
      queueReadable = 0; // the figures keep their last values; unit_queue_readable says they are stale
    }
  }

  void readQueue(); // connects now, so the first scrape does not pay for it

  new Gauge({
    name: 'unit_queue_jobs',
    help: "Jobs of this unit's event queue by state (waiting, active, delayed, failed, dead_lettered).",
    labelNames: ['queue', 'state'] as const,
    registers,
    async collect() {
      await readQueue();
      this.set({ queue: queueName, state: 'waiting' }, queueFigures.waiting);
      this.set({ queue: queueName, state: 'active' }, queueFigures.active);
      this.set({ queue: queueName, state: 'delayed' }, queueFigures.delayed);
      this.set({ queue: queueName, state: 'failed' }, queueFigures.failed);
      this.set({ queue: queueName, state: 'dead_lettered' }, queueFigures.deadLettered);
    },
  });
  new Gauge({
    name: 'unit_queue_oldest_waiting_seconds',
    help: "Age of the oldest job waiting in this unit's event queue, 0 when none waits.",
    labelNames: ['queue'] as const,
    registers,
    collect() {
      this.set({ queue: queueName }, queueFigures.oldestWaitingSeconds);
    },
  });
  new Gauge({
    name: 'unit_queue_readable',
    help: "1 when this scrape read the queue's figures from Redis, 0 when Redis did not answer (figures are stale).",
    registers,
    collect() {
      this.set(queueReadable);
    },
  });

  const eventLag = new Histogram({
    name: 'unit_event_lag_seconds',
    help: "From an event's occurredAt (the emitting commit) to this unit's consumer finishing with it, by type and outcome.",
    labelNames: ['type', 'outcome'] as const,
    buckets: LAG_SECONDS,
    registers,
  });
  const eventsProcessed = new Counter({
    name: 'unit_events_processed_total',
    help: 'Event jobs this process handled, by type and outcome (applied, duplicate, retrying, dead-lettered).',
    labelNames: ['type', 'outcome'] as const,
    registers,
  });
  const relayLag = new Histogram({
    name: 'unit_relay_lag_seconds',
    help: "From an outbox row's commit to the relay adding it to the consumers' queues, by type.",
    labelNames: ['type'] as const,
    buckets: LAG_SECONDS,
    registers,
  });
  const eventsPublished = new Counter({
    name: 'unit_events_published_total',
    help: 'Outbox rows this process published, by type.',
    labelNames: ['type'] as const,
    registers,
  });

  return {
    registry,
    onProcessed({ type, outcome, lagMs }: { type: string; outcome: ConsumerOutcome; lagMs: number }) {
      eventsProcessed.inc({ type, outcome });
      eventLag.observe({ type, outcome }, lagMs / 1000);
    },
    onPublished(events: readonly PublishedEvent[]) {
      for (const event of events) {
        eventsPublished.inc({ type: event.type });
        relayLag.observe({ type: event.type }, event.lagMs / 1000);
      }
    },
    /** `extra`: series of the unit's own, in Prometheus text, appended to the registry's. */
    async route(_req: unknown, res: ServerResponse, extra?: () => string) {
      const text = (await registry.metrics()) + (extra?.() ?? '');
      res.writeHead(200, { 'content-type': registry.contentType });
      res.end(text);
    },
    close: () => admin.close(),
  };
}

export type UnitMetrics = ReturnType<typeof createUnitMetrics>;
