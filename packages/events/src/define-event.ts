import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { envelopeSchema, type UnitName } from './envelope.ts';

/** One event type: its name, who emits it, its data schema and how to build an envelope of it. */
export interface EventDefinition<T extends string, D extends z.ZodType> {
  type: T;
  source: UnitName;
  schemaVersion: number;
  data: D;
  /** The whole envelope with `type`, `source` and `schemaVersion` fixed and `data` checked. */
  envelope: z.ZodType<EnvelopeOf<T, z.infer<D>>>;
  /**
   * When the event is due, for a timer (e.g. a saga step's deadline): the relay hands it to BullMQ
   * as a job delayed until then. Undefined for an ordinary event, delivered at once.
   */
  deliverAt?: (data: z.infer<D>) => Date;
  /** A new event of this type: a fresh id, now as occurred-at, the aggregate id read from data. */
  create(data: z.input<D>, options?: { id?: string; occurredAt?: Date }): EnvelopeOf<T, z.infer<D>>;
}

export type EnvelopeOf<T extends string, D> = {
  id: string;
  type: T;
  source: UnitName;
  aggregateId: string;
  occurredAt: string;
  schemaVersion: number;
  data: D;
};

export function defineEvent<const T extends string, D extends z.ZodType>(spec: {
  type: T;
  source: UnitName;
  schemaVersion: number;
  data: D;
  aggregateId: (data: z.infer<D>) => string;
  deliverAt?: (data: z.infer<D>) => Date;
}): EventDefinition<T, D> {
  const envelope = envelopeSchema.extend({
    type: z.literal(spec.type),
    source: z.literal(spec.source),
    schemaVersion: z.literal(spec.schemaVersion),
    data: spec.data,
  }) as unknown as z.ZodType<EnvelopeOf<T, z.infer<D>>>;
  return {
    type: spec.type,
    source: spec.source,
    schemaVersion: spec.schemaVersion,
    data: spec.data,
    envelope,
    deliverAt: spec.deliverAt,
    create(input, options = {}) {
      const data = spec.data.parse(input) as z.infer<D>;
      return {
        id: options.id ?? randomUUID(),
        type: spec.type,
        source: spec.source,
        aggregateId: spec.aggregateId(data),
        occurredAt: (options.occurredAt ?? new Date()).toISOString(),
        schemaVersion: spec.schemaVersion,
        data,
      };
    },
  };
}
