/**
 * Every write to inventory's stock goes through here, in one transaction with the outbox row
 * that announces it (`inventory.stock.changed` on every change of levels).
 */
import { type CommerceEvent, stockChanged, stockRejected, stockReserved } from '@commerce/events';
import {
  appendEvents,
  outboxInsert,
  prismaSql,
  type Sql,
  type Statement,
  uuidLiteral,
  writeWithEvents,
} from '@commerce/service-kit';
import type { Db } from './db.ts';
import {
  combineLines,
  type LevelChange,
  levelChanges,
  type PlannedLine,
  type ReservationLine,
  type ReservationStatus,
  type Shortage,
  statusAfter,
} from './domain/reservation.ts';
import { available, checkLevels, type StockLevels } from './domain/stock.ts';

/** The transaction an event is applied in (the consumer's, on `pg`): the saga's writes are SQL. */
export type Tx = Sql;

/**
 * A product's levels after a change, as every change announces them, with what was available
 * before it (none for a replay of levels).
 */
const stockChangedOf = (productId: string, stock: StockLevels, availableBefore?: number) =>
  stockChanged.create({
    productId,
    available: available(stock),
    onHand: stock.onHand,
    reserved: stock.reserved,
    version: stock.version,
    ...(availableBefore === undefined ? {} : { availableBefore }),
  });

/**
 * The stock row of a product catalog has just created: nothing on hand. A row that exists
 * (a redelivery, a replay, seeded stock) is left as it is.
 */
export async function openStockRow(tx: Tx, productId: string): Promise<void> {
  await tx.execute(
    `INSERT INTO stock_items (product_id, on_hand, reserved, version, updated_at)
     VALUES ($1::uuid, 0, 0, 0, now())
     ON CONFLICT (product_id) DO NOTHING`,
    [productId],
  );
}

/**
 * Adds `quantity` received units to a known product's stock. The database adds in one statement
 * (no read-modify-write, so concurrent restocks never conflict) and bumps the version that
 * reservations check; the adjustment with its actor and the event commit with it, and levels past
 * the rules (checkLevels throws) roll all of it back. Null when inventory has no row for the
 * product: catalog never announced it.
 */
export async function addReceivedStock(
  db: Db,
  productId: string,
  quantity: number,
  actorId: string,
): Promise<StockLevels | null> {
  return db.$transaction(async (tx) => {
    const [stock] = await tx.stockItem.updateManyAndReturn({
      where: { productId },
      data: { onHand: { increment: quantity }, version: { increment: 1 } },
    });
    if (!stock) return null;
    checkLevels(stock);
    await tx.stockAdjustment.create({ data: { productId, delta: quantity, reason: 'RESTOCK', actorId } });
    await appendEvents(prismaSql(tx), [stockChangedOf(productId, stock, available(stock) - quantity)]);
    return stock;
  });
}

// ---------------------------------------------------------------------------------------------
// Reservations: inventory's side of an order's saga (see use-cases/). Each function below runs in
// the transaction that records the saga event in the inbox, so the event, its effect and the
// outbox rows announcing it commit together or not at all.
// ---------------------------------------------------------------------------------------------

export type StoredReservation = {
  orderId: string;
  status: ReservationStatus;
  lines: ReservationLine[];
  version: number;
};

/**
 * The order's reservation, locked until the transaction ends: two events of one order applied at
 * once (a cancel racing a confirm) take turns, the second seeing what the first did. Null when
 * inventory has none yet (no lock then: two writers of a first row meet at its primary key).
 * `read`: the row as a handler read it already (reservationReading), null when there was none.
 */
export async function findReservationForUpdate(
  tx: Tx,
  orderId: string,
  read?: StoredReservation | null,
): Promise<StoredReservation | null> {
  if (read !== undefined) return read; // read (and locked) with the transaction's BEGIN
  const [row] = await tx.query<StoredReservation>(`${RESERVATION} WHERE order_id = $1::uuid FOR UPDATE`, [orderId]);
  return row ?? null;
}

const RESERVATION = `SELECT order_id AS "orderId", status::text AS status, lines, version FROM reservations`;

/** findReservationForUpdate as a statement without parameters: a handler sends it with BEGIN. */
export const reservationReading = (orderId: string) =>
  `${RESERVATION} WHERE order_id = ${uuidLiteral(orderId)} FOR UPDATE`;

const STOCK_LEVELS = `SELECT product_id AS "productId", on_hand AS "onHand", reserved, version FROM stock_items`;

/**
 * What a placement decides from, as one statement without parameters that a handler sends with
 * BEGIN: the order's reservation (locked, as findReservationForUpdate) and the products' stock
 * rows as they are now, each as JSON (null: no reservation yet).
 */
export const placementReading = (orderId: string, productIds: readonly string[]) =>
  `SELECT (SELECT row_to_json(r) FROM (${RESERVATION} WHERE order_id = ${uuidLiteral(orderId)} FOR UPDATE) r) AS reservation,
          (SELECT coalesce(json_agg(s), '[]'::json) FROM (${STOCK_LEVELS} WHERE product_id IN (${productIds.map(uuidLiteral).join(', ')})) s) AS stock`;

export type PlacementRead = {
  reservation: StoredReservation | null;
  stock: Array<StockLevels & { productId: string }>;
};

/** The stock rows a placementReading read, as readStockLevels gives them. */
export const levelsOf = (rows: PlacementRead['stock']): Map<string, StockLevels> =>
  new Map(rows.map(({ productId, ...levels }) => [productId, levels]));

/** The stock rows of these products as they are now (a product without a row is absent). */
export async function readStockLevels(tx: Tx, productIds: readonly string[]): Promise<Map<string, StockLevels>> {
  const rows = await tx.query<StockLevels & { productId: string }>(
    `${STOCK_LEVELS} WHERE product_id = ANY($1::uuid[])`,
    [productIds],
  );
  return levelsOf(rows);
}

/**
 * Applies a planned reservation with optimistic concurrency: each row is written only if its
 * version is still the one the plan read (in product-id order, so two reservations never
 * deadlock). A row someone changed since (0 rows updated) undoes every row written so far
 * (a savepoint, set when there is more than one row) and returns 'conflict': the caller reads
 * again and re-plans. Otherwise the reservation, `inventory.reservation.reserved` and one
 * `inventory.stock.changed` per product are written. A second writer of the same order's row fails on its primary key and rolls back.
 *
 * The last row's write goes in one statement with the reservation and its events, which are
 * written only if that row was (a round trip fewer, on every order's path): every row's levels
 * after the write are known from the plan (on hand as read, reserved as planned, the version the
 * guard matched plus one), so the events need nothing back from the writes.
 */
export async function applyReservation(
  tx: Tx,
  orderId: string,
  plan: readonly PlannedLine[],
  items: readonly ReservationLine[],
): Promise<'reserved' | 'conflict'> {
  // Only a second row's conflict has a write to undo: one line needs no savepoint (a round trip).
  const undoable = plan.length > 1;
  if (undoable) await tx.execute('SAVEPOINT apply_reservation');
  // A write of the level computed from the read, guarded by the read's version: without the
  // guard, two reservations reading the same level would both write it and one would be lost.
  const guardedWrite = (line: PlannedLine): Statement => ({
    text: `UPDATE stock_items SET reserved = $3, version = version + 1, updated_at = now()
           WHERE product_id = $1::uuid AND version = $2 RETURNING 1`,
    values: [line.productId, line.read.version, line.reservedAfter],
  });
  const conflict = async () => {
    if (undoable) await tx.execute('ROLLBACK TO SAVEPOINT apply_reservation');
    return 'conflict' as const;
  };
  const last = plan.at(-1)!;
  for (const line of plan.slice(0, -1)) {
    const write = guardedWrite(line);
    if ((await tx.execute(write.text, write.values)) === 0) return conflict();
  }
  const levelsAfter = (line: PlannedLine): StockLevels => ({
    onHand: line.read.onHand,
    reserved: line.reservedAfter,
    version: line.read.version + 1,
  });
  const reserved = await insertReservation(
    tx,
    orderId,
    'RESERVED',
    plan.map(({ productId, quantity }) => ({ productId, quantity })),
    [
      stockReserved.create({ orderId, items: items.map(({ productId, quantity }) => ({ productId, quantity })) }),
      ...plan.map((line) => stockChangedOf(line.productId, levelsAfter(line), available(line.read))),
    ],
    guardedWrite(last),
  );
  // The savepoint is not released: it ends with the transaction, one round trip fewer.
  return reserved ? 'reserved' : conflict();
}

/**
 * The order's first (and only) reservation row, with the events that announce it, in one
 * statement; a second writer of it fails on the primary key. With `onlyAfter` (a write ending in
 * RETURNING), that write runs first in the same statement and the row and events are written only
 * if it wrote a row: false when it did not.
 */
async function insertReservation(
  tx: Tx,
  orderId: string,
  status: ReservationStatus,
  lines: readonly ReservationLine[],
  events: readonly CommerceEvent[] = [],
  onlyAfter?: Statement,
): Promise<boolean> {
  const columns = 'INSERT INTO reservations (order_id, status, lines, version, created_at, updated_at)';
  const row = (n: number) => `$${n + 1}::uuid, $${n + 2}::"ReservationStatus", $${n + 3}::jsonb, 0, now(), now()`;
  const rowValues = [orderId, status, JSON.stringify(lines)];
  if (!onlyAfter) {
    await writeWithEvents(tx, [{ text: `${columns} VALUES (${row(0)}) RETURNING 1`, values: rowValues }], events);
    return true;
  }
  const written = 'EXISTS (SELECT 1 FROM guarded)';
  const values = [...onlyAfter.values, ...rowValues];
  const announced = outboxInsert(events, { offset: values.length, onlyIf: written });
  const [result] = await tx.query<{ written: boolean }>(
    `WITH guarded AS (${onlyAfter.text}),
          reservation AS (${columns} SELECT ${row(onlyAfter.values.length)} WHERE ${written}),
          events AS (${announced.text})
     SELECT ${written} AS written`,
    [...values, ...announced.values],
  );
  return result!.written;
}

/** Not every line could be reserved: the order's reservation is REJECTED, nothing is held. */
export async function recordRejection(
  tx: Tx,
  orderId: string,
  lines: readonly ReservationLine[],
  shortages: readonly Shortage[],
  reason: string,
): Promise<void> {
  await insertReservation(tx, orderId, 'REJECTED', lines, [
    stockRejected.create({ orderId, reason, shortages: [...shortages] }),
  ]);
}

/**
 * The order was cancelled before inventory heard it placed: a tombstone, so the placement, when it
 * arrives, reserves nothing. A placement being applied at this moment writes the same primary key:
 * whichever commits second fails, rolls back and is retried, then sees the other's row.
 */
export async function recordCancelledBeforeReservation(
  tx: Tx,
  orderId: string,
  lines: readonly ReservationLine[],
): Promise<void> {
  await insertReservation(tx, orderId, statusAfter.tombstone, combineLines(lines));
}

const adjustmentReasons = { release: null, commit: 'SALE', return: 'RETURN' } as const;

/**
 * Moves a reservation on (released, committed, returned) and every product's levels with it, in
 * product-id order. The levels change in one statement per row (no read-modify-write: the
 * reservation's lock already orders this order's events, and other orders' writes to the same row
 * simply queue); the version is bumped so concurrent reservations re-read. Stock leaving or coming
 * back is an adjustment (SALE, RETURN) naming the order; each product's new levels are announced.
 */
export async function moveReservation(tx: Tx, reservation: StoredReservation, change: LevelChange): Promise<void> {
  const events = [];
  for (const { productId, quantity } of combineLines(reservation.lines)) {
    const delta = levelChanges[change](quantity);
    const reason = adjustmentReasons[change];
    // The row's new levels, and (for stock leaving or coming back) its adjustment, in one statement.
    const [stock] = await tx.query<StockLevels>(
      `WITH moved AS (
         UPDATE stock_items SET on_hand = on_hand + $2, reserved = reserved + $3, version = version + 1, updated_at = now()
         WHERE product_id = $1::uuid
         RETURNING on_hand AS "onHand", reserved, version),
       adjusted AS (
         INSERT INTO stock_adjustments (id, product_id, delta, reason, order_id, created_at)
         SELECT gen_random_uuid(), $1::uuid, $2, $4::text::"AdjustmentReason", $5::uuid, now()
         FROM moved WHERE $4::text IS NOT NULL
         RETURNING 1)
       SELECT * FROM moved`,
      [productId, delta.onHand, delta.reserved, reason, reservation.orderId],
    );
    // The reservation was made against this row, and rows are never deleted.
    if (!stock) throw new Error(`order ${reservation.orderId}: product ${productId} has no stock row`);
    checkLevels(stock);
    events.push(stockChangedOf(productId, stock, available(stock) - (delta.onHand - delta.reserved)));
  }
  const [moved] = await writeWithEvents(
    tx,
    [
      {
        text: `UPDATE reservations SET status = $3::"ReservationStatus", version = version + 1, updated_at = now()
               WHERE order_id = $1::uuid AND version = $2 RETURNING 1`,
        values: [reservation.orderId, reservation.version, statusAfter[change]],
      },
    ],
    events,
  );
  // Unreachable while the row is locked (findReservationForUpdate); if it ever is, undo it all.
  if (moved !== 1) throw new Error(`order ${reservation.orderId}: reservation changed while locked`);
}

/**
 * Catch-up for copies that start empty (catalog's storefront availability): every stock row's
 * levels go to the outbox again as `inventory.stock.changed`, in pages, through the normal relay.
 * Copies keep levels only when the row's version is newer, so a replay never moves anything back.
 * Returns how many rows were announced.
 */
export async function replayStock(db: Db, pageSize = 500): Promise<number> {
  let after: string | undefined;
  let announced = 0;
  for (;;) {
    const page = await db.$transaction(async (tx) => {
      const rows = await tx.stockItem.findMany({
        where: after ? { productId: { gt: after } } : {},
        orderBy: { productId: 'asc' },
        take: pageSize,
      });
      await appendEvents(
        prismaSql(tx),
        rows.map((row) => stockChangedOf(row.productId, row)),
      );
      return rows;
    });
    announced += page.length;
    if (page.length < pageSize) return announced;
    after = page.at(-1)!.productId;
  }
}
