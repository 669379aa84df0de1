/**
 * The saga's timers: one per order and step, an event orders sends itself (delivered when due, a
 * BullMQ delayed job whose id is the event's). Its id is derived from the order and the step, so
 * the move that ends the step can withdraw the timer without having stored anything about it.
 */
import { createHash } from 'node:crypto';
import { orderStepDeadline } from '@commerce/events';
import type { DeadlineStep } from '../domain/saga.ts';

/** The timer's event id: a UUID (version 8, RFC 9562's custom layout) made of a sha256 of order and step. */
export function deadlineId(orderId: string, step: DeadlineStep): string {
  const hex = createHash('sha256').update(`orders.order.step-deadline:${orderId.toLowerCase()}:${step}`).digest('hex');
  const variant = ((Number.parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** The step's timer, due `timeoutMs` from now. */
export const stepDeadline = (orderId: string, step: DeadlineStep, timeoutMs: number) =>
  orderStepDeadline.create(
    { orderId, step, dueAt: new Date(Date.now() + timeoutMs).toISOString() },
    { id: deadlineId(orderId, step) },
  );
