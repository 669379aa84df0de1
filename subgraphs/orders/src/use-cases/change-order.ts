/**
 * What a person asks of an order after it was placed: the customer cancels it, staff refund it.
 * Each decides from the order as it stands and writes under its version, in one transaction with
 * its event; a saga event that moved the order in between wins the race, and the request is
 * decided again from the new state (which may refuse it).
 */
import { orderRefundRequested } from '@commerce/events';
import { clientError, isUuid, type SqlPool } from '@commerce/service-kit';
import type { OrderWithItems } from '../domain/order.ts';
import { cancelByCustomer, type Decision, RequestRefused, requestRefund } from '../domain/saga.ts';
import { applyDecision, findOrder, StaleOrder, type Tx } from '../repository.ts';
import { cancellationEvent } from './advance-order.ts';

const ATTEMPTS = 5;

/**
 * Runs `decide` on the order and applies what it decides, again from the order's new state when
 * another transition won the race. The order as it ends up is returned.
 */
async function changeOrder(
  sql: SqlPool,
  orderId: string,
  visible: (order: OrderWithItems) => boolean,
  decide: (order: OrderWithItems, tx: Tx) => Promise<void>,
): Promise<OrderWithItems> {
  const notFound = () => clientError('NOT_FOUND', `No order has id ${orderId}.`);
  if (!isUuid(orderId)) throw notFound();
  for (let attempt = 1; ; attempt++) {
    try {
      await sql.transaction(async (tx) => {
        const order = await findOrder(tx, orderId);
        // Someone else's order looks exactly like one that does not exist.
        if (!order || !visible(order)) throw notFound();
        await decide(order, tx);
      });
      return (await findOrder(sql, orderId))!;
    } catch (error) {
      if (error instanceof RequestRefused) throw clientError(error.code, error.message);
      if (!(error instanceof StaleOrder)) throw error;
      if (attempt >= ATTEMPTS) {
        throw clientError('CONFLICT', 'The order kept changing while your request was handled; try again.');
      }
    }
  }
}

/** The customer stops their unpaid order; inventory releases any reservation, payments charges nothing. */
export function cancelOrder(sql: SqlPool, customerId: string, orderId: string): Promise<OrderWithItems> {
  return changeOrder(
    sql,
    orderId,
    (order) => order.customerId === customerId,
    async (order, tx) => {
      const decision: Decision | null = cancelByCustomer(order);
      if (decision?.kind === 'move') await applyDecision(tx, order, decision, [cancellationEvent(order, decision)]);
    },
  );
}

/** Staff ask payments to refund a paid order; it becomes REFUNDED when the money is back. */
export function refundOrder(sql: SqlPool, staffId: string, orderId: string, reason: string): Promise<OrderWithItems> {
  return changeOrder(
    sql,
    orderId,
    () => true,
    async (order, tx) => {
      const decision = requestRefund(order, reason, staffId);
      await applyDecision(tx, order, decision, [
        orderRefundRequested.create({
          orderId: order.id,
          customerId: order.customerId,
          amountCents: order.totalCents,
          currency: order.currency,
          reason: reason.trim(),
          requestedBy: staffId,
        }),
      ]);
    },
  );
}
