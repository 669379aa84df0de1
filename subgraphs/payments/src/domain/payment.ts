/** What a payment is, and who may see it. Pure: no I/O. */
import type { Identity } from '@commerce/service-kit';
import type { Payment, PaymentStatus, Refund } from '../generated/prisma/client.ts';

export type PaymentWithRefunds = Payment & { refunds: Refund[] };
/** An order, as payments knows it: by id. */
export type OrderRef = { id: string };

/** The customer who paid, and staff, may see a payment. */
export function maySee(identity: Identity, payment: Pick<Payment, 'customerId'>): boolean {
  if (identity.kind !== 'user') return false;
  return identity.role === 'STAFF' || identity.userId === payment.customerId;
}

/** What the provider said to a refund: given back (its id for the refund), or refused for good. */
export type RefundAnswer = { kind: 'refunded'; providerRefundId: string } | { kind: 'refused'; reason: string };

/** What the charge, outside any transaction, came to. */
export type ChargeResult =
  /** Nothing was asked of the provider: the payment was settled already, or voided before any attempt. */
  | { kind: 'not-charged' }
  /** Captured; `refund` is there when the payment was voided meanwhile and the charge given back at once. */
  | { kind: 'captured'; providerReference: string; refund?: RefundAnswer }
  | { kind: 'declined'; reason: string }
  /** Refused for good for another reason than the card (a request the provider can never accept). */
  | { kind: 'refused'; reason: string };

/** What recording a charge's result does to the payment, decided under the row's lock. */
export type ChargeRecord =
  | { action: 'capture'; providerReference: string }
  | { action: 'fail'; declined: boolean; reason: string }
  /** Voided while charging and given back already: the payment ends REFUNDED. */
  | { action: 'refund'; providerReference: string; refund: RefundAnswer }
  /** Voided after the outside half last looked: run again, and that run gives the money back. */
  | { action: 'rerun'; why: string }
  | { action: 'nothing' };

export function chargeOutcome(status: PaymentStatus, result: ChargeResult): ChargeRecord {
  if (result.kind === 'not-charged') return { action: 'nothing' };
  if (status === 'PENDING') {
    if (result.kind === 'captured')
      return result.refund
        ? { action: 'refund', providerReference: result.providerReference, refund: result.refund }
        : { action: 'capture', providerReference: result.providerReference };
    return { action: 'fail', declined: result.kind === 'declined', reason: result.reason };
  }
  if (status === 'VOIDED' && result.kind === 'captured') {
    return result.refund
      ? { action: 'refund', providerReference: result.providerReference, refund: result.refund }
      : { action: 'rerun', why: 'the order was cancelled while its charge was captured; the rerun refunds it' };
  }
  // Voided and never captured, or settled by another run of the same charge: nothing to add.
  return { action: 'nothing' };
}

/** What an order's cancellation does to its payment, decided under the row's lock. */
export type CancelRecord =
  | { action: 'void' }
  | { action: 'refund'; refund: RefundAnswer }
  | { action: 'rerun'; why: string }
  | { action: 'nothing' };

/**
 * PENDING (or not there, a tombstone just written as PENDING's stand-in) is voided: no charge
 * from now on. CAPTURED (captured just before the cancel) is given back: `refund` is what the
 * provider said, absent when the outside half saw no capture yet, so the job runs again to refund.
 * FAILED, VOIDED, REFUNDED: nothing was taken, or it was given back already.
 */
export function cancelOutcome(status: PaymentStatus, refund: RefundAnswer | null): CancelRecord {
  if (status === 'PENDING') return { action: 'void' };
  if (status === 'CAPTURED')
    return refund
      ? { action: 'refund', refund }
      : { action: 'rerun', why: 'the payment was captured after the cancel was first read; the rerun refunds it' };
  return { action: 'nothing' };
}

/** What a staff refund does, decided under the row's lock. */
export type RefundRequestRecord =
  | { action: 'refund'; refund: RefundAnswer }
  | { action: 'refuse'; reason: string }
  | { action: 'rerun'; why: string }
  | { action: 'nothing' };

export function refundRequestOutcome(status: PaymentStatus, refund: RefundAnswer | null): RefundRequestRecord {
  if (status === 'REFUNDED') return { action: 'nothing' }; // refunded once: one refund per order
  if (status === 'CAPTURED')
    return refund
      ? { action: 'refund', refund }
      : { action: 'rerun', why: 'the payment was captured after the refund request was first read' };
  return { action: 'refuse', reason: `The payment is ${status.toLowerCase()}: nothing was taken to give back.` };
}

/**
 * Whether the provider is to be asked about the payment: a PENDING one is charged; a VOIDED one
 * that had requests sent before it was voided is looked up (one may have captured, and a capture
 * is given back at once), never charged again. Neither for a payment voided before any request,
 * nor for one that is settled (CAPTURED, FAILED, REFUNDED).
 */
export function mayCharge(payment: Pick<Payment, 'status' | 'attempts'>): boolean {
  return payment.status === 'PENDING' || (payment.status === 'VOIDED' && payment.attempts > 0);
}
