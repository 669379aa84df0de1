import type { EventHandlers } from '@commerce/service-kit';
import type { Db } from './db.ts';
import type { ProviderClient } from './provider.ts';
import type { Tx } from './repository.ts';
import { cancelPayment } from './use-cases/cancel-payment.ts';
import { chargeOrder } from './use-cases/charge-order.ts';
import { refundOrder } from './use-cases/refund-order.ts';

/** What payments does with the saga's requests: each calls the provider outside the recording transaction. */
export function paymentsEventHandlers(deps: { db: Db; provider: ProviderClient }): EventHandlers<Tx> {
  return {
    'orders.order.payment-requested': chargeOrder(deps),
    'orders.order.cancelled': cancelPayment(deps),
    'orders.order.refund-requested': refundOrder(deps),
  };
}
