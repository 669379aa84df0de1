import type { EventRouting, UnitName } from '@commerce/events';
import type { ConnectionOptions } from 'bullmq';
import type { Logger } from '../logger.ts';
import { type Consumers, type ConsumersOptions, startConsumers } from './consumer.ts';
import { type Relay, type RelayOptions, startRelay } from './relay.ts';

export interface WorkersOptions<Tx> {
  unit: UnitName;
  databaseUrl: string;
  connection: ConnectionOptions;
  queuePrefix?: string;
  logger: Logger;
  routing?: EventRouting;
  /** The consuming side; omit for a unit that only emits. */
  consumers?: Omit<ConsumersOptions<Tx>, 'unit' | 'connection' | 'queuePrefix' | 'logger'>;
  relay?: Omit<RelayOptions, 'unit' | 'databaseUrl' | 'connection' | 'queuePrefix' | 'logger' | 'routing'>;
}

export interface Workers {
  relay: Relay;
  consumers: Consumers | undefined;
  /** Graceful stop (SIGTERM): jobs in hand finish or go back to BullMQ; the relay stops between batches. */
  stop(): Promise<void>;
}

/** A unit's workers: its outbox relay and, when it consumes events, its consumers. */
export async function startWorkers<Tx>(options: WorkersOptions<Tx>): Promise<Workers> {
  const common = {
    unit: options.unit,
    connection: options.connection,
    queuePrefix: options.queuePrefix,
    logger: options.logger,
  };
  const relay = await startRelay({
    ...common,
    ...options.relay,
    databaseUrl: options.databaseUrl,
    routing: options.routing,
  });
  const consumers = options.consumers ? startConsumers({ ...common, ...options.consumers }) : undefined;
  return {
    relay,
    consumers,
    async stop() {
      await Promise.all([relay.stop(), consumers?.stop()]);
    },
  };
}
