import { refundKey } from '../domain/provider-rules.ts';
import type { Payment } from '../generated/prisma/client.ts';
import type { ProviderClient } from '../provider.ts';

/**
 * Gives back everything a payment took, under the order's one refund key: a cancel after the
 * capture, a capture that landed after a cancel, and a staff refund all come here, so however
 * often or by whichever path it is asked, the provider refunds once.
 */
export function refundInFull(
  provider: ProviderClient,
  payment: Pick<Payment, 'orderId' | 'amountCents'>,
  chargeId: string,
  signal: AbortSignal,
) {
  return provider.refund(
    { idempotencyKey: refundKey(payment.orderId), chargeId, amountCents: payment.amountCents },
    { signal },
  );
}
