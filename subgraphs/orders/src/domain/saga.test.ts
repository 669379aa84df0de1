import { describe, expect, it } from 'vitest';
import {
  cancelByCustomer,
  type Decision,
  type OrderStatus,
  onPaymentCaptured,
  onPaymentFailed,
  onPaymentRefunded,
  onRefundFailed,
  onStepDeadline,
  onStockRejected,
  onStockReserved,
  RequestRefused,
  requestRefund,
} from './saga.ts';

const STATUSES: OrderStatus[] = ['PENDING', 'AWAITING_PAYMENT', 'CONFIRMED', 'REJECTED', 'CANCELLED', 'REFUNDED'];
const at = (status: OrderStatus, refundPending = false) => ({ status, refundPending });
/** Where each status goes under a rule: the target of a move, 'note', or 'nothing'. */
const outcomes = (rule: (status: OrderStatus) => Decision) =>
  Object.fromEntries(STATUSES.map((status) => [status, describe_(rule(status))]));
const describe_ = (decision: Decision) => (decision.kind === 'move' ? decision.to : decision.kind);
const refused = (run: () => unknown) => {
  try {
    run();
  } catch (error) {
    if (error instanceof RequestRefused) return `${error.code}: ${error.message}`;
    throw error;
  }
  return null;
};

describe('the saga moves an order only from the state each answer belongs to', () => {
  it('stock reserved: PENDING → AWAITING_PAYMENT; late on a cancelled order, a note; otherwise nothing', () => {
    expect(outcomes((status) => onStockReserved(at(status)))).toEqual({
      PENDING: 'AWAITING_PAYMENT',
      AWAITING_PAYMENT: 'nothing',
      CONFIRMED: 'nothing',
      REJECTED: 'nothing',
      CANCELLED: 'note',
      REFUNDED: 'nothing',
    });
    expect(onStockReserved(at('PENDING'))).toMatchObject({ entry: { step: 'STOCK_RESERVED' } });
  });

  it('stock rejected: only PENDING → REJECTED, the detail naming each short product', () => {
    const decision = onStockRejected(at('PENDING'), [{ name: 'Enamel mug', requested: 3, available: 1 }], 'short');
    expect(decision).toEqual({
      kind: 'move',
      to: 'REJECTED',
      entry: { step: 'OUT_OF_STOCK', detail: 'Not enough stock of Enamel mug (3 ordered, 1 available).' },
    });
    expect(outcomes((status) => onStockRejected(at(status), [], 'short'))).toMatchObject({
      AWAITING_PAYMENT: 'nothing',
      CANCELLED: 'nothing',
      CONFIRMED: 'nothing',
    });
  });

  it('payment captured: AWAITING_PAYMENT → CONFIRMED; after a cancel only a note (payments refunds)', () => {
    expect(outcomes((status) => onPaymentCaptured(at(status), '12.50 EUR'))).toEqual({
      PENDING: 'nothing',
      AWAITING_PAYMENT: 'CONFIRMED',
      CONFIRMED: 'nothing',
      REJECTED: 'nothing',
      CANCELLED: 'note',
      REFUNDED: 'nothing',
    });
    expect(onPaymentCaptured(at('CANCELLED'), '12.50 EUR')).toMatchObject({
      entry: { detail: expect.stringContaining('payments refunds it') },
    });
  });

  it('payment failed: AWAITING_PAYMENT → CANCELLED with cause PAYMENT_DECLINED; nothing from any other state', () => {
    expect(onPaymentFailed(at('AWAITING_PAYMENT'), true, 'card declined')).toEqual({
      kind: 'move',
      to: 'CANCELLED',
      entry: { step: 'PAYMENT_FAILED', detail: 'The payment was declined: card declined' },
      cancelCause: 'PAYMENT_DECLINED',
    });
    expect(outcomes((status) => onPaymentFailed(at(status), false, 'gave up'))).toMatchObject({
      PENDING: 'nothing',
      CONFIRMED: 'nothing',
      CANCELLED: 'nothing',
    });
  });

  it('a deadline cancels only an order still at its step', () => {
    expect(outcomes((status) => onStepDeadline(at(status), 'RESERVATION', 30_000))).toEqual({
      PENDING: 'CANCELLED',
      AWAITING_PAYMENT: 'nothing',
      CONFIRMED: 'nothing',
      REJECTED: 'nothing',
      CANCELLED: 'nothing',
      REFUNDED: 'nothing',
    });
    expect(outcomes((status) => onStepDeadline(at(status), 'PAYMENT', 120_000))).toEqual({
      PENDING: 'nothing',
      AWAITING_PAYMENT: 'CANCELLED',
      CONFIRMED: 'nothing',
      REJECTED: 'nothing',
      CANCELLED: 'nothing',
      REFUNDED: 'nothing',
    });
    expect(onStepDeadline(at('PENDING'), 'RESERVATION', 1500)).toMatchObject({
      cancelCause: 'RESERVATION_TIMED_OUT',
      entry: { step: 'RESERVATION_TIMED_OUT', detail: 'No answer about the stock within 1.5 s; cancelled.' },
    });
    expect(onStepDeadline(at('AWAITING_PAYMENT'), 'PAYMENT', 1500)).toMatchObject({ cancelCause: 'PAYMENT_TIMED_OUT' });
  });
});

describe('the customer cancels', () => {
  it('an unpaid order (cause CUSTOMER); a cancelled one again is no change; a paid or rejected one is CONFLICT', () => {
    expect(cancelByCustomer(at('PENDING'))).toMatchObject({ to: 'CANCELLED', cancelCause: 'CUSTOMER' });
    expect(cancelByCustomer(at('AWAITING_PAYMENT'))).toMatchObject({ to: 'CANCELLED', cancelCause: 'CUSTOMER' });
    expect(cancelByCustomer(at('CANCELLED'))).toBeNull();
    expect(refused(() => cancelByCustomer(at('CONFIRMED')))).toBe(
      'CONFLICT: This order is paid already: ask staff for a refund.',
    );
    expect(refused(() => cancelByCustomer(at('REFUNDED')))).toMatch(/^CONFLICT: .*paid already/);
    expect(refused(() => cancelByCustomer(at('REJECTED')))).toMatch(/^CONFLICT: .*rejected/);
  });
});

describe('refunds', () => {
  const staff = 'c0000000-0000-4000-a000-000000000001';

  it('staff may ask for one on a CONFIRMED order with none pending; it stays CONFIRMED, the refund pending', () => {
    expect(requestRefund(at('CONFIRMED'), '  damaged in transit ', staff)).toEqual({
      kind: 'move',
      to: 'CONFIRMED',
      refundPending: true,
      refundReason: 'damaged in transit',
      entry: { step: 'REFUND_REQUESTED', detail: `Refund requested by staff member ${staff}: damaged in transit` },
    });
  });

  it('refused with a reason for every other case', () => {
    expect(refused(() => requestRefund(at('CONFIRMED', true), 'again', staff))).toMatch(/^CONFLICT: .*pending already/);
    expect(refused(() => requestRefund(at('REFUNDED'), 'again', staff))).toMatch(/^CONFLICT: .*refunded already/);
    for (const status of ['PENDING', 'AWAITING_PAYMENT', 'REJECTED', 'CANCELLED'] as const) {
      expect(refused(() => requestRefund(at(status), 'why', staff))).toMatch(
        new RegExp(`^CONFLICT: .*this one is ${status}`),
      );
    }
    expect(refused(() => requestRefund(at('CONFIRMED'), '   ', staff))).toMatch(/^BAD_USER_INPUT: /);
    expect(refused(() => requestRefund(at('CONFIRMED'), 'x'.repeat(501), staff))).toMatch(/^BAD_USER_INPUT: /);
  });

  it('the money back makes a pending refund REFUNDED; without one pending it changes nothing', () => {
    expect(onPaymentRefunded(at('CONFIRMED', true), '12.50 EUR')).toMatchObject({
      to: 'REFUNDED',
      refundPending: false,
      entry: { step: 'REFUNDED' },
    });
    expect(describe_(onPaymentRefunded(at('CONFIRMED', false), '12.50 EUR'))).toBe('nothing');
    expect(describe_(onPaymentRefunded(at('REFUNDED', false), '12.50 EUR'))).toBe('nothing');
    expect(describe_(onPaymentRefunded(at('CANCELLED'), '12.50 EUR'))).toBe('note');
  });

  it('a failed refund clears the pending flag (staff may ask again) and the order stays CONFIRMED', () => {
    expect(onRefundFailed(at('CONFIRMED', true), 'card closed')).toMatchObject({
      to: 'CONFIRMED',
      refundPending: false,
      entry: { step: 'REFUND_FAILED' },
    });
    expect(describe_(onRefundFailed(at('CONFIRMED', false), 'late'))).toBe('nothing');
    expect(describe_(onRefundFailed(at('REFUNDED'), 'late'))).toBe('nothing');
  });
});
