import type { EventHandlers, Sql } from '@commerce/service-kit';
import type { ProviderClient } from './provider.ts';
import { cancelPayment } from './use-cases/cancel-payment.ts';
import { chargeOrder } from './use-cases/charge-order.ts';
import { refundOrder } from './use-cases/refund-order.ts';

/**
 * What payments does with the saga's requests: each calls the provider outside the recording
 * transaction, reading and writing through `sql` (the unit's pool) there, and records the result
 * in the consumer's transaction (`tx`).
 */
export function paymentsEventHandlers(deps: { sql: Sql; provider: ProviderClient }): EventHandlers<Sql> {
  return {
    'orders.order.payment-requested': chargeOrder(deps),
    'orders.order.cancelled': cancelPayment(deps),
    'orders.order.refund-requested': refundOrder(deps),
  };
}
