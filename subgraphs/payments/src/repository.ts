/**
 * Every write to payments' data goes through here. A change the saga must hear of commits in one
 * transaction with its outbox row; the payment row is locked (FOR UPDATE) before any decision
 * about it, so the charge, the cancel and the refund of one order, applied at the same moment by
 * concurrent jobs, take turns. Plain SQL on `pg` (the saga's path: see Sql in the service kit);
 * GraphQL's reads stay on Prisma.
 */
import { type CommerceEvent, paymentCaptured, paymentFailed, paymentRefunded, refundFailed } from '@commerce/events';
import { appendEvents, type Sql, uuidLiteral, writeWithEvents } from '@commerce/service-kit';
import type { RefundAnswer } from './domain/payment.ts';
import { chargeKey } from './domain/provider-rules.ts';
import type { Payment, PaymentStatus, RefundStatus } from './generated/prisma/client.ts';

/**
 * ISO 4217's code for "no currency": the currency of a tombstone, written by a cancel that came
 * before the charge request (the cancel does not say in which currency the order was priced).
 */
const NO_CURRENCY = 'XXX';

/** A payments row as Prisma's Payment (the SQL pool reads its `timestamp` columns as UTC, as Prisma does). */
const paymentColumns = `id, order_id AS "orderId", customer_id AS "customerId", amount_cents AS "amountCents",
  currency, status::text AS status, provider_reference AS "providerReference",
  idempotency_key AS "idempotencyKey", attempts,
  created_at AS "createdAt", updated_at AS "updatedAt"`;

/**
 * The payment of an order about to be charged: created PENDING when absent (its own committed
 * write, before the provider is called, so the attempts are counted on it and a cancel finds it),
 * left as it is when present (a redelivery, another run, a cancel's tombstone).
 */
export async function openPayment(
  sql: Sql,
  order: { orderId: string; customerId: string; amountCents: number; currency: string },
): Promise<Payment> {
  // The new row, or the one already there, in one statement. A row another transaction was
  // inserting at that moment is not in this statement's snapshot: then it is read again.
  const [opened] = await sql.query<Payment>(
    `WITH opened AS (
       INSERT INTO payments (id, order_id, customer_id, amount_cents, currency, status, idempotency_key, attempts, updated_at)
       VALUES (gen_random_uuid(), $1::uuid, $2::uuid, $3, $4, 'PENDING', $5, 0, now())
       ON CONFLICT (order_id) DO NOTHING
       RETURNING ${paymentColumns})
     SELECT * FROM opened
     UNION ALL
     SELECT ${paymentColumns} FROM payments WHERE order_id = $1::uuid AND NOT EXISTS (SELECT 1 FROM opened)`,
    [order.orderId, order.customerId, order.amountCents, order.currency, chargeKey(order.orderId)],
  );
  const payment = opened ?? (await findPayment(sql, order.orderId));
  if (!payment) throw new Error(`payment of order ${order.orderId} missing right after it was opened`);
  return payment;
}

export async function findPayment(sql: Sql, orderId: string): Promise<Payment | null> {
  const [payment] = await sql.query<Payment>(`SELECT ${paymentColumns} FROM payments WHERE order_id = $1::uuid`, [
    orderId,
  ]);
  return payment ?? null;
}

/**
 * Counts a charge request about to be sent, committed before it goes out. Refused (false) once the
 * payment is voided: from then on no charge request is sent for the order (one sent before is
 * looked up instead, see chargeOrder).
 */
export async function countChargeAttempt(sql: Sql, paymentId: string): Promise<boolean> {
  const counted = await sql.execute(
    `UPDATE payments SET attempts = attempts + 1, updated_at = now() WHERE id = $1::uuid AND status = 'PENDING'`,
    [paymentId],
  );
  return counted > 0;
}

/** lockPayment as a statement without parameters, for a handler to send with BEGIN. */
export const paymentReading = (orderId: string) =>
  `SELECT ${paymentColumns} FROM payments WHERE order_id = ${uuidLiteral(orderId)} FOR UPDATE`;

/** The order's payment, locked until the transaction ends; null when payments has none. */
export async function lockPayment(tx: Sql, orderId: string): Promise<Payment | null> {
  const [payment] = await tx.query<Payment>(
    `SELECT ${paymentColumns} FROM payments WHERE order_id = $1::uuid FOR UPDATE`,
    [orderId],
  );
  return payment ?? null;
}

/**
 * A cancel that comes before the charge request leaves a VOIDED row with no attempt (a
 * tombstone): the late request finds it and charges nothing. An existing row is left alone.
 */
export async function leaveTombstone(
  tx: Sql,
  order: { orderId: string; customerId: string; amountCents: number },
): Promise<void> {
  await tx.execute(
    `INSERT INTO payments (id, order_id, customer_id, amount_cents, currency, status, idempotency_key, attempts, updated_at)
     VALUES (gen_random_uuid(), $1::uuid, $2::uuid, $3, $4, 'VOIDED', $5, 0, now())
     ON CONFLICT (order_id) DO NOTHING`,
    [order.orderId, order.customerId, order.amountCents, NO_CURRENCY, chargeKey(order.orderId)],
  );
}

/**
 * The payment's new status (and the provider's charge id, when one is given; kept otherwise), with
 * the events that announce it, in one statement. The row is locked by the caller, so it is there:
 * anything else is a bug, and rolls back.
 */
async function settlePayment(
  tx: Sql,
  paymentId: string,
  status: PaymentStatus,
  providerReference: string | null = null,
  events: readonly CommerceEvent[] = [],
): Promise<void> {
  const settle = {
    text: `UPDATE payments SET status = $2::"PaymentStatus", provider_reference = COALESCE($3, provider_reference),
             updated_at = now()
           WHERE id = $1::uuid RETURNING 1`,
    values: [paymentId, status, providerReference],
  };
  const [updated] = await writeWithEvents(tx, [settle], events);
  if (updated !== 1) throw new Error(`payment ${paymentId} missing while it was locked`);
}

/** A Refund row of the payment's whole amount; its id. */
async function insertRefund(
  tx: Sql,
  payment: Payment,
  refund: { reason: string; requestedBy: string | null; status: RefundStatus; providerReference: string | null },
): Promise<string> {
  const [row] = await tx.query<{ id: string }>(
    `INSERT INTO refunds (id, payment_id, amount_cents, reason, requested_by, status, provider_reference)
     VALUES (gen_random_uuid(), $1::uuid, $2, $3, $4::uuid, $5::"RefundStatus", $6)
     RETURNING id`,
    [payment.id, payment.amountCents, refund.reason, refund.requestedBy, refund.status, refund.providerReference],
  );
  return row!.id;
}

/** The provider took the money: CAPTURED, and orders hears it. */
export async function recordCapture(tx: Sql, payment: Payment, providerReference: string): Promise<void> {
  await settlePayment(tx, payment.id, 'CAPTURED', providerReference, [
    paymentCaptured.create({
      orderId: payment.orderId,
      paymentId: payment.id,
      amountCents: payment.amountCents,
      currency: payment.currency,
      providerReference,
    }),
  ]);
}

/** The charge failed for good (declined, or a request the provider can never accept): FAILED. */
export async function recordChargeFailure(
  tx: Sql,
  payment: Payment,
  failure: { declined: boolean; reason: string },
): Promise<void> {
  await settlePayment(tx, payment.id, 'FAILED', null, [
    paymentFailed.create({ orderId: payment.orderId, paymentId: payment.id, ...failure }),
  ]);
}

/** The cancelled order's payment will never be charged. */
export async function recordVoid(tx: Sql, payment: Payment): Promise<void> {
  await settlePayment(tx, payment.id, 'VOIDED');
}

/**
 * A full refund as the provider answered it, with its Refund row. Given back: the payment is
 * REFUNDED and orders hears payment.refunded. Refused: the Refund is FAILED, the money stays
 * taken (the payment CAPTURED) and orders hears refund.failed, for staff to act.
 * `charged` is the provider's charge id when this refund also tells that the payment was
 * captured (a charge that was in flight when its order was cancelled).
 */
export async function recordRefund(
  tx: Sql,
  payment: Payment,
  refund: { answer: RefundAnswer; reason: string; requestedBy: string | null; charged?: string },
): Promise<void> {
  const given = refund.answer.kind === 'refunded';
  const refundId = await insertRefund(tx, payment, {
    reason: refund.reason,
    requestedBy: refund.requestedBy,
    status: given ? 'SUCCEEDED' : 'FAILED',
    providerReference: refund.answer.kind === 'refunded' ? refund.answer.providerRefundId : null,
  });
  const ids = { orderId: payment.orderId, paymentId: payment.id, refundId };
  await settlePayment(tx, payment.id, given ? 'REFUNDED' : 'CAPTURED', refund.charged || null, [
    refund.answer.kind === 'refunded'
      ? paymentRefunded.create({ ...ids, amountCents: payment.amountCents })
      : refundFailed.create({ ...ids, reason: refund.answer.reason }),
  ]);
}

/** A refund asked of a payment that took nothing: a FAILED Refund row, and orders hears why. */
export async function recordRefundRefusal(
  tx: Sql,
  payment: Payment,
  refusal: { reason: string; requestedBy: string | null; requestReason: string },
): Promise<void> {
  const refundId = await insertRefund(tx, payment, {
    reason: refusal.requestReason,
    requestedBy: refusal.requestedBy,
    status: 'FAILED',
    providerReference: null,
  });
  await appendEvents(tx, [
    refundFailed.create({ orderId: payment.orderId, paymentId: payment.id, refundId, reason: refusal.reason }),
  ]);
}
