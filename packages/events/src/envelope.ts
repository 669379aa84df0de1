import { z } from 'zod';

/** The business units that emit or consume events. */
export const unitNames = ['accounts', 'catalog', 'inventory', 'orders', 'payments', 'notifications'] as const;
export const unitName = z.enum(unitNames);
export type UnitName = z.infer<typeof unitName>;

/** `<unit>.<aggregate>.<what-happened>`, lower case, words joined by hyphens. */
const eventTypeName = z.string().regex(/^[a-z]+(\.[a-z]+(-[a-z]+)*)+$/, 'must look like catalog.product.price-changed');

/**
 * What every event carries, whatever its type: the part a relay, a queue or a dead-letter list can
 * read without knowing the type. `data` is checked by the schema of the event's type.
 */
export const envelopeSchema = z.object({
  /** Unique per event; also the BullMQ job id and the key of each consumer's inbox. */
  id: z.uuid(),
  type: eventTypeName,
  /** The unit that emitted it. */
  source: unitName,
  /** The id of the entity it is about; events of one aggregate are published in order. */
  aggregateId: z.string().min(1),
  occurredAt: z.iso.datetime({ offset: true }),
  schemaVersion: z.number().int().positive(),
  data: z.unknown(),
});

export type Envelope = z.infer<typeof envelopeSchema>;
