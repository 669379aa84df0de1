import type { EventOf } from '@commerce/events';
import { type Sql, withEffect } from '@commerce/service-kit';
import { type ChargeResult, chargeOutcome, mayCharge } from '../domain/payment.ts';
import type { Payment } from '../generated/prisma/client.ts';
import type { ProviderClient } from '../provider.ts';
import {
  countChargeAttempt,
  findPayment,
  openPayment,
  paymentReading,
  recordCapture,
  recordChargeFailure,
  recordRefund,
} from '../repository.ts';
import { refundInFull } from './refund-in-full.ts';

type PaymentRequested = EventOf<'orders.order.payment-requested'>;

/** The order was cancelled (its payment voided) before this charge sent anything: stop. */
class ChargeWithdrawn extends Error {
  override name = 'ChargeWithdrawn';
}

/**
 * orders asks for the order's total: charged once (the order's idempotency key), recorded CAPTURED
 * or FAILED with the event orders waits for. The charge runs outside any transaction and may wait
 * long (an open circuit); a cancel meanwhile voids the payment, and a charge that captured anyway
 * is given back at once.
 */
export function chargeOrder({ sql, provider }: { sql: Sql; provider: ProviderClient }) {
  return withEffect<PaymentRequested, Sql, ChargeResult>({
    async outside(event, signal) {
      const payment = await openPayment(sql, event.data);
      if (!mayCharge(payment)) return { kind: 'not-charged' };
      let answer: Awaited<ReturnType<ProviderClient['charge']>> | undefined;
      if (payment.status === 'PENDING') {
        try {
          answer = await provider.charge(
            {
              idempotencyKey: payment.idempotencyKey,
              amountCents: payment.amountCents,
              currency: payment.currency,
              reference: payment.orderId,
            },
            {
              signal,
              beforeRequest: async () => {
                if (!(await countChargeAttempt(sql, payment.id))) throw new ChargeWithdrawn();
              },
            },
          );
        } catch (error) {
          if (!(error instanceof ChargeWithdrawn)) throw error;
        }
      }
      const fresh = answer !== undefined;
      if (!answer) {
        // Voided. Before any request went out: nothing to do. After: their answers were lost, so
        // ask the provider what they did; asking again with the charge's key would charge now,
        // should the provider never have seen them (down, connection reset).
        if (((await findPayment(sql, payment.orderId))?.attempts ?? 0) === 0) return { kind: 'not-charged' };
        const captured = await provider.capturedFor(payment.orderId, { signal });
        if (!captured) return { kind: 'not-charged' };
        answer = { kind: 'captured', providerReference: captured };
      }
      if (answer.kind !== 'captured') return answer;
      // A charge sent for a PENDING payment is recorded as it came: a cancel that voided the
      // payment meanwhile is seen under the row's lock inside, and the job runs again (rerun),
      // which refunds. Saves a read on every order for a race that is rare.
      if (fresh) return answer;
      // Cancelled while the charge was out: give the money back now, not after a rerun.
      if ((await findPayment(sql, payment.orderId))?.status !== 'VOIDED') return answer;
      const refund = await refundInFull(provider, payment, answer.providerReference, signal);
      return { ...answer, refund };
    },

    // The payment, locked, read with the transaction's BEGIN and the inbox row.
    withBegin: (event) => paymentReading(event.data.orderId),

    async inside(event, tx, result, _context, rows) {
      const [payment] = rows as Payment[];
      if (!payment)
        throw new Error(`payment of order ${event.data.orderId} vanished between the charge and its record`);
      const outcome = chargeOutcome(payment.status, result);
      switch (outcome.action) {
        case 'capture':
          return recordCapture(tx, payment, outcome.providerReference);
        case 'fail':
          return recordChargeFailure(tx, payment, { declined: outcome.declined, reason: outcome.reason });
        case 'refund':
          return recordRefund(tx, payment, {
            answer: outcome.refund,
            reason: 'The order was cancelled while its payment was being charged.',
            requestedBy: null,
            charged: outcome.providerReference,
          });
        case 'rerun':
          // Not a PermanentError: the consumer runs the job again, and that run refunds.
          throw new Error(outcome.why);
        case 'nothing':
          return;
      }
    },
  });
}
