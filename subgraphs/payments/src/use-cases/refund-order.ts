import type { EventOf } from '@commerce/events';
import { PermanentError, type Sql, withEffect } from '@commerce/service-kit';
import { type RefundAnswer, refundRequestOutcome } from '../domain/payment.ts';
import type { ProviderClient } from '../provider.ts';
import { findPayment, lockPayment, recordRefund, recordRefundRefusal } from '../repository.ts';
import { refundInFull } from './refund-in-full.ts';

type RefundRequested = EventOf<'orders.order.refund-requested'>;

/**
 * Staff refund a CONFIRMED order: the whole payment given back, once per order (its refund key),
 * recorded as a Refund with the reason and who asked. The provider refusing is recorded too (a
 * FAILED Refund, refund.failed) so that staff see it; the order stays CONFIRMED.
 */
export function refundOrder({ sql, provider }: { sql: Sql; provider: ProviderClient }) {
  return withEffect<RefundRequested, Sql, RefundAnswer | null>({
    async outside(event, signal) {
      const payment = await findPayment(sql, event.data.orderId);
      if (!payment) throw new PermanentError(`order ${event.data.orderId} has no payment to refund`);
      if (payment.status !== 'CAPTURED' || !payment.providerReference) return null;
      return refundInFull(provider, payment, payment.providerReference, signal);
    },

    async inside(event, tx, refund) {
      const { orderId, reason, requestedBy } = event.data;
      const payment = await lockPayment(tx, orderId);
      if (!payment) throw new PermanentError(`order ${orderId} has no payment to refund`);
      const outcome = refundRequestOutcome(payment.status, refund);
      switch (outcome.action) {
        case 'refund':
          return recordRefund(tx, payment, { answer: outcome.refund, reason, requestedBy });
        case 'refuse':
          return recordRefundRefusal(tx, payment, { reason: outcome.reason, requestedBy, requestReason: reason });
        case 'rerun':
          throw new Error(outcome.why);
        case 'nothing':
          return;
      }
    },
  });
}
