import { describe, expect, it } from 'vitest';
import type { PaymentStatus } from '../generated/prisma/client.ts';
import { cancelOutcome, chargeOutcome, mayCharge, refundRequestOutcome } from './payment.ts';

const captured = { kind: 'captured', providerReference: 'ch_1' } as const;
const refunded = { kind: 'refunded', providerRefundId: 're_1' } as const;
const settled: PaymentStatus[] = ['CAPTURED', 'FAILED', 'REFUNDED', 'PARTIALLY_REFUNDED'];

describe('whether a charge request may go out', () => {
  it('for a pending payment, never for a settled one', () => {
    expect(mayCharge({ status: 'PENDING', attempts: 0 })).toBe(true);
    expect(mayCharge({ status: 'PENDING', attempts: 3 })).toBe(true);
    for (const status of settled) expect(mayCharge({ status, attempts: 1 })).toBe(false);
  });

  it('a payment voided before any request: never; voided after some: again, to learn how they ended', () => {
    expect(mayCharge({ status: 'VOIDED', attempts: 0 })).toBe(false);
    expect(mayCharge({ status: 'VOIDED', attempts: 2 })).toBe(true);
  });
});

describe('recording a charge', () => {
  it('a pending payment: captured, declined (declined) or refused (not declined)', () => {
    expect(chargeOutcome('PENDING', captured)).toEqual({ action: 'capture', providerReference: 'ch_1' });
    expect(chargeOutcome('PENDING', { kind: 'declined', reason: 'no' })).toEqual({
      action: 'fail',
      declined: true,
      reason: 'no',
    });
    expect(chargeOutcome('PENDING', { kind: 'refused', reason: 'bad' })).toEqual({
      action: 'fail',
      declined: false,
      reason: 'bad',
    });
  });

  it('voided while charging: a capture given back is recorded as a refund; one not given back runs again', () => {
    expect(chargeOutcome('VOIDED', { ...captured, refund: refunded })).toEqual({
      action: 'refund',
      providerReference: 'ch_1',
      refund: refunded,
    });
    expect(chargeOutcome('VOIDED', captured).action).toBe('rerun');
  });

  it('voided and not captured, or settled by another run, or nothing charged: nothing to record', () => {
    expect(chargeOutcome('VOIDED', { kind: 'declined', reason: 'no' })).toEqual({ action: 'nothing' });
    for (const status of settled) expect(chargeOutcome(status, captured)).toEqual({ action: 'nothing' });
    expect(chargeOutcome('PENDING', { kind: 'not-charged' })).toEqual({ action: 'nothing' });
  });
});

describe('an order cancelled', () => {
  it('a pending payment is voided', () => {
    expect(cancelOutcome('PENDING', null)).toEqual({ action: 'void' });
  });

  it('a captured payment is given back; captured after the outside half looked: run again', () => {
    expect(cancelOutcome('CAPTURED', refunded)).toEqual({ action: 'refund', refund: refunded });
    expect(cancelOutcome('CAPTURED', null).action).toBe('rerun');
  });

  it('failed, voided or refunded: nothing was taken, or it is back already', () => {
    for (const status of ['FAILED', 'VOIDED', 'REFUNDED'] as const)
      expect(cancelOutcome(status, null)).toEqual({ action: 'nothing' });
  });
});

describe('a staff refund', () => {
  it('a captured payment is refunded once; a refunded one is left alone', () => {
    expect(refundRequestOutcome('CAPTURED', refunded)).toEqual({ action: 'refund', refund: refunded });
    expect(refundRequestOutcome('REFUNDED', null)).toEqual({ action: 'nothing' });
    expect(refundRequestOutcome('CAPTURED', null).action).toBe('rerun');
  });

  it('a payment that took nothing is refused, saying why', () => {
    expect(refundRequestOutcome('FAILED', null)).toEqual({
      action: 'refuse',
      reason: 'The payment is failed: nothing was taken to give back.',
    });
    expect(refundRequestOutcome('VOIDED', null).action).toBe('refuse');
  });
});
