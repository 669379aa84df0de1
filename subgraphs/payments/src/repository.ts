/**
 * Every write to payments' data goes through here. A change the saga must hear of commits in one
 * transaction with its outbox row; the payment row is locked (FOR UPDATE) before any decision
 * about it, so the charge, the cancel and the refund of one order, applied at the same moment by
 * concurrent jobs, take turns.
 */
import { paymentCaptured, paymentFailed, paymentRefunded, refundFailed } from '@commerce/events';
import { appendEvents, type TransactionClientOf } from '@commerce/service-kit';
import type { Db } from './db.ts';
import type { RefundAnswer } from './domain/payment.ts';
import { chargeKey } from './domain/provider-rules.ts';
import type { Payment } from './generated/prisma/client.ts';

export type Tx = TransactionClientOf<Db>;

/**
 * ISO 4217's code for "no currency": the currency of a tombstone, written by a cancel that came
 * before the charge request (the cancel does not say in which currency the order was priced).
 */
const NO_CURRENCY = 'XXX';

/**
 * The payment of an order about to be charged: created PENDING when absent (its own committed
 * write, before the provider is called, so the attempts are counted on it and a cancel finds it),
 * left as it is when present (a redelivery, another run, a cancel's tombstone).
 */
export async function openPayment(
  db: Db,
  order: { orderId: string; customerId: string; amountCents: number; currency: string },
): Promise<Payment> {
  await db.$executeRaw`
    INSERT INTO payments (id, order_id, customer_id, amount_cents, currency, status, idempotency_key, attempts, updated_at)
    VALUES (gen_random_uuid(), ${order.orderId}::uuid, ${order.customerId}::uuid, ${order.amountCents},
            ${order.currency}, 'PENDING', ${chargeKey(order.orderId)}, 0, now())
    ON CONFLICT (order_id) DO NOTHING`;
  return db.payment.findUniqueOrThrow({ where: { orderId: order.orderId } });
}

export const findPayment = (db: Db, orderId: string) => db.payment.findUnique({ where: { orderId } });

/**
 * Counts a charge request about to be sent, committed before it goes out. Refused (false) once the
 * payment is voided: from then on no charge request is sent for the order (one sent before is
 * looked up instead, see chargeOrder).
 */
export async function countChargeAttempt(db: Db, paymentId: string): Promise<boolean> {
  const counted = await db.$executeRaw`
    UPDATE payments SET attempts = attempts + 1, updated_at = now()
    WHERE id = ${paymentId}::uuid AND status = 'PENDING'`;
  return counted > 0;
}

/** The order's payment, locked until the transaction ends; null when payments has none. */
export async function lockPayment(tx: Tx, orderId: string): Promise<Payment | null> {
  await tx.$executeRaw`SELECT 1 FROM payments WHERE order_id = ${orderId}::uuid FOR UPDATE`;
  return tx.payment.findUnique({ where: { orderId } });
}

/**
 * A cancel that comes before the charge request leaves a VOIDED row with no attempt (a
 * tombstone): the late request finds it and charges nothing. An existing row is left alone.
 */
export async function leaveTombstone(
  tx: Tx,
  order: { orderId: string; customerId: string; amountCents: number },
): Promise<void> {
  await tx.$executeRaw`
    INSERT INTO payments (id, order_id, customer_id, amount_cents, currency, status, idempotency_key, attempts, updated_at)
    VALUES (gen_random_uuid(), ${order.orderId}::uuid, ${order.customerId}::uuid, ${order.amountCents},
            ${NO_CURRENCY}, 'VOIDED', ${chargeKey(order.orderId)}, 0, now())
    ON CONFLICT (order_id) DO NOTHING`;
}

/** The provider took the money: CAPTURED, and orders hears it. */
export async function recordCapture(tx: Tx, payment: Payment, providerReference: string): Promise<void> {
  await tx.payment.update({ where: { id: payment.id }, data: { status: 'CAPTURED', providerReference } });
  await appendEvents(tx, [
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
  tx: Tx,
  payment: Payment,
  failure: { declined: boolean; reason: string },
): Promise<void> {
  await tx.payment.update({ where: { id: payment.id }, data: { status: 'FAILED' } });
  await appendEvents(tx, [paymentFailed.create({ orderId: payment.orderId, paymentId: payment.id, ...failure })]);
}

/** The cancelled order's payment will never be charged. */
export async function recordVoid(tx: Tx, payment: Payment): Promise<void> {
  await tx.payment.update({ where: { id: payment.id }, data: { status: 'VOIDED' } });
}

/**
 * A full refund as the provider answered it, with its Refund row. Given back: the payment is
 * REFUNDED and orders hears payment.refunded. Refused: the Refund is FAILED, the money stays
 * taken (the payment CAPTURED) and orders hears refund.failed, for staff to act.
 * `charged` is the provider's charge id when this refund also tells that the payment was
 * captured (a charge that was in flight when its order was cancelled).
 */
export async function recordRefund(
  tx: Tx,
  payment: Payment,
  refund: { answer: RefundAnswer; reason: string; requestedBy: string | null; charged?: string },
): Promise<void> {
  const given = refund.answer.kind === 'refunded';
  const row = await tx.refund.create({
    data: {
      paymentId: payment.id,
      amountCents: payment.amountCents,
      reason: refund.reason,
      requestedBy: refund.requestedBy,
      status: given ? 'SUCCEEDED' : 'FAILED',
      providerReference: refund.answer.kind === 'refunded' ? refund.answer.providerRefundId : null,
    },
  });
  await tx.payment.update({
    where: { id: payment.id },
    data: {
      status: given ? 'REFUNDED' : 'CAPTURED',
      ...(refund.charged ? { providerReference: refund.charged } : {}),
    },
  });
  const ids = { orderId: payment.orderId, paymentId: payment.id, refundId: row.id };
  await appendEvents(tx, [
    refund.answer.kind === 'refunded'
      ? paymentRefunded.create({ ...ids, amountCents: payment.amountCents })
      : refundFailed.create({ ...ids, reason: refund.answer.reason }),
  ]);
}

/** A refund asked of a payment that took nothing: a FAILED Refund row, and orders hears why. */
export async function recordRefundRefusal(
  tx: Tx,
  payment: Payment,
  refusal: { reason: string; requestedBy: string | null; requestReason: string },
): Promise<void> {
  const row = await tx.refund.create({
    data: {
      paymentId: payment.id,
      amountCents: payment.amountCents,
      reason: refusal.requestReason,
      requestedBy: refusal.requestedBy,
      status: 'FAILED',
    },
  });
  await appendEvents(tx, [
    refundFailed.create({ orderId: payment.orderId, paymentId: payment.id, refundId: row.id, reason: refusal.reason }),
  ]);
}
