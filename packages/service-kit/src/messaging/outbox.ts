import { type CommerceEvent, parseEvent } from '@commerce/events';
import type { Sql } from '../sql.ts';

/** A parameterised statement ($1, $2, … of its own values). */
export type Statement = { text: string; values: readonly unknown[] };

/**
 * The outbox rows of these events as one INSERT; an invalid event throws. Its parameters start
 * after `offset` (for a statement that has values of its own); `onlyIf`, an SQL condition, makes
 * the rows conditional (e.g. on a data-modifying CTE of the same statement having written a row).
 */
export function outboxInsert(
  events: readonly CommerceEvent[],
  options: { offset?: number; onlyIf?: string } = {},
): Statement {
  const offset = options.offset ?? 0;
  const rows: string[] = [];
  const values: unknown[] = [];
  for (const event of events) {
    const parsed = parseEvent(event);
    if (!parsed.ok) throw new Error(`Refusing to write an invalid event to the outbox: ${parsed.reason}`);
    const n = offset + values.length;
    rows.push(`($${n + 1}::uuid, $${n + 2}, $${n + 3}, $${n + 4}::jsonb)`);
    values.push(parsed.event.id, parsed.event.aggregateId, parsed.event.type, JSON.stringify(parsed.event));
  }
  const columns = 'INSERT INTO outbox_events (id, aggregate_id, type, envelope)';
  const text = options.onlyIf
    ? `${columns} SELECT * FROM (VALUES ${rows.join(', ')}) AS event(id, aggregate_id, type, envelope) WHERE ${options.onlyIf}`
    : `${columns} VALUES ${rows.join(', ')}`;
  return { text, values };
}

/**
 * Writes events to the unit's outbox inside the caller's transaction (a repository calls it in
 * the same transaction as the change the events describe, after that change, so rows of one
 * aggregate get positions in commit order). An invalid event throws and so rolls the change back.
 */
export async function appendEvents(tx: Sql, events: readonly CommerceEvent[]): Promise<void> {
  if (events.length === 0) return;
  const insert = outboxInsert(events);
  await tx.execute(insert.text, insert.values);
}

/**
 * Writes, then the events announcing them, as one statement (data-modifying CTEs: one round trip
 * instead of one per write). Each write must end in RETURNING; what comes back is how many rows
 * each returned, in order. Every write runs whatever the others did: a caller that finds a count
 * wrong throws, and so rolls all of them back with its transaction.
 */
export async function writeWithEvents(
  tx: Sql,
  writes: readonly Statement[],
  events: readonly CommerceEvent[] = [],
): Promise<number[]> {
  const parts: string[] = [];
  const values: unknown[] = [];
  const add = (name: string, statement: Statement) => {
    const offset = values.length;
    parts.push(`${name} AS (${statement.text.replace(/\$(\d+)/g, (_, n: string) => `$${Number(n) + offset}`)})`);
    values.push(...statement.values);
  };
  writes.forEach((write, i) => {
    add(`w${i}`, write);
  });
  if (events.length > 0) add('events', outboxInsert(events));
  const counts = writes.map((_, i) => `(SELECT count(*) FROM w${i})::int AS w${i}`).join(', ');
  const [row] = await tx.query<Record<string, number>>(`WITH ${parts.join(', ')} SELECT ${counts || '1'}`, values);
  return writes.map((_, i) => row![`w${i}`]!);
}
