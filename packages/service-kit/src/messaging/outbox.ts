import { type CommerceEvent, parseEvent } from '@commerce/events';
import type { Sql } from '../sql.ts';

/**
 * Writes events to the unit's outbox inside the caller's transaction (a repository calls it in
 * the same transaction as the change the events describe, after that change, so rows of one
 * aggregate get positions in commit order). An invalid event throws and so rolls the change back.
 */
export async function appendEvents(tx: Sql, events: readonly CommerceEvent[]): Promise<void> {
  if (events.length === 0) return;
  const rows: string[] = [];
  const values: unknown[] = [];
  for (const event of events) {
    const parsed = parseEvent(event);
    if (!parsed.ok) throw new Error(`Refusing to write an invalid event to the outbox: ${parsed.reason}`);
    const n = values.length;
    rows.push(`($${n + 1}::uuid, $${n + 2}, $${n + 3}, $${n + 4}::jsonb)`);
    values.push(parsed.event.id, parsed.event.aggregateId, parsed.event.type, JSON.stringify(parsed.event));
  }
  await tx.execute(`INSERT INTO outbox_events (id, aggregate_id, type, envelope) VALUES ${rows.join(', ')}`, values);
}
